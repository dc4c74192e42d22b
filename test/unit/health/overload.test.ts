import t, { type Test } from 'tap';
import type { IncomingRequest } from '../../../src/core/server/incoming-request.js';
import { ALPHA, BETA, DECAY, Overload, SAFE_SHARE, STALE_AFTER_MS, SUSTAINED_SAMPLES } from '../../../src/health/overload.js';
import { capturedLog } from '../../helpers/captured-log.js';

const LIMIT = 200;

function setup(maxQueueDelayMs = LIMIT) {
  const { log, lines } = capturedLog('info');
  const clock = { ms: 1_000_000 };
  const draw = { next: 0 };
  const overload = new Overload({ maxQueueDelayMs, retryAfterSeconds: 3, log, random: () => draw.next, now: () => clock.ms });
  const events = () => lines.map((l) => l.event);
  return { overload, lines, events, clock, draw };
}

/** A request that records its answer (and whether it was given statelessly); `credentials`: the header it carries. */
function request(
  method = 'INVITE',
  credentials?: string,
): { request: IncomingRequest; answers: Array<{ status: number; headers: unknown; stateless?: true }> } {
  const answers: Array<{ status: number; headers: unknown; stateless?: true }> = [];
  const fake = {
    method,
    message: { headers: { has: (name: string) => name === credentials } },
    respond(status: number, _reason?: string, headers: unknown = []) {
      answers.push({ status, headers });
    },
    respondStatelessly(status: number, _reason?: string, headers: unknown = []) {
      answers.push({ status, headers, stateless: true });
    },
  };
  return { request: fake as unknown as IncomingRequest, answers };
}

/** The handler behind the guard counts what reaches it; `served()` runs one request through. */
function guarded(overload: Overload) {
  const counts = { handled: 0, refused: 0 };
  const handler = overload.refuseWhileOverloaded(
    async () => {
      counts.handled++;
    },
    () => counts.refused++,
  );
  return {
    counts,
    async served(): Promise<boolean> {
      const r = request();
      await handler(r.request);
      return r.answers.length === 0;
    },
  };
}

function near(t: Test, actual: number, expected: number, what: string): void {
  t.ok(Math.abs(actual - expected) < 1e-9, `${what}: ${actual} is ${expected}`);
}

t.test('the constants are those of PIE scaled to the probe interval', async (t) => {
  t.equal(ALPHA, 0.25);
  t.equal(BETA, 1.25);
  t.equal(SUSTAINED_SAMPLES, 2);
  t.equal(DECAY, 0.9);
  t.equal(SAFE_SHARE, 0.2);
  t.equal(STALE_AFTER_MS, 1000);
});

t.test('a wait that grows raises the share by how much it grew and by how far it is over the limit', async (t) => {
  const { overload } = setup();
  const { served } = guarded(overload);
  // Each probe: (ALPHA * (wait - limit) + BETA * (wait - previous wait)) / 1000; the first, a short wait
  // after a short one, is also multiplied by DECAY: 0.025 * 0.9, then + 0.0375, 0.05, 0.0625, 0.075, 0.0875.
  const expected = [0.0225, 0.06, 0.11, 0.1725, 0.2475, 0.335];
  for (const [i, wait] of [50, 100, 150, 200, 250, 300].entries()) {
    overload.observe(wait);
    if (i < 2) t.ok(await served(), `at ${wait} ms, within two waits of half the limit: nothing refused`);
  }
  near(t, overload.refusing, expected[5]!, 'after 300 ms');
  overload.observe(300);
  near(t, overload.refusing, 0.335 + (ALPHA * 100) / 1000, 'a wait that stays over the limit keeps raising it');
});

t.test('a wait that jumps raises it at once: far over capacity, the queue grows fast', async (t) => {
  const { overload } = setup();
  overload.observe(150);
  overload.observe(600);
  near(t, overload.refusing, (ALPHA * -50 + BETA * 150 + ALPHA * 400 + BETA * 450) / 1000, 'after 150 then 600 ms');
  t.ok(overload.refusing > 0.8, 'most new work is refused');
});

t.test('at the limit the share holds; under it, it falls back to none', async (t) => {
  const { overload, lines, clock } = setup();
  const guard = guarded(overload);
  overload.observe(150);
  overload.observe(300);
  const held = overload.refusing;
  t.ok(held > 0);
  t.equal(await guard.served(), false, 'refused (the draw is 0)');
  overload.observe(LIMIT + 100);
  overload.observe(LIMIT);
  const atLimit = overload.refusing;
  overload.observe(LIMIT);
  overload.observe(LIMIT);
  near(t, overload.refusing, atLimit, 'a wait steady at the limit holds the share');
  clock.ms += 2_500;
  overload.observe(LIMIT / 2 - 1);
  t.equal(await guard.served(), true, 'a wait under half the limit refuses nothing, whatever the share');
  t.ok(overload.refusing === 0, 'and the share is reported as none');
  t.same(
    lines.map((l) => l.event),
    ['overload.started'],
    'not ended while the share is above 0',
  );
  for (let i = 0; i < 10 && lines.length < 2; i++) overload.observe(1);
  t.match(lines[1], { event: 'overload.ended', level: 'info', refused: 1, seconds: 2.5, longestQueueDelayMs: 300 });
  overload.observe(1);
  t.equal(lines.length, 2, 'ended once');
});

t.test('while the queue stays short the share also decays', async (t) => {
  const { overload } = setup();
  overload.observe(150); // 0.175
  overload.observe(600); // + (0.25 * 400 + 1.25 * 450) / 1000 = 0.8375
  overload.observe(90); // + (0.25 * -110 + 1.25 * -510) / 1000: 0.1725, no decay (the wait before was long)
  overload.observe(90); // (0.1725 - 0.0275) * DECAY: two short waits in a row = 0.1305
  overload.observe(200); // + 1.25 * 110 / 1000: 0.268
  overload.observe(200); // at the limit: held, and refusing again (two long waits, a share over SAFE_SHARE)
  near(t, overload.refusing, 0.268, 'decayed once, by a tenth (0.2825 without)');
});

t.test('near capacity, a small share and waits under the limit refuse nobody; waits over it do', async (t) => {
  const { overload } = setup();
  const guard = guarded(overload);
  for (const wait of [60, 90, 140, 150]) overload.observe(wait); // shares 0.036, 0.041, 0.089, 0.089: under SAFE_SHARE
  t.ok(overload.refusing === 0, 'waits over half the limit, but the share is small and none over the limit');
  t.equal(await guard.served(), true);
  overload.observe(LIMIT + 10);
  t.ok(overload.refusing === 0, 'one wait over the limit');
  overload.observe(LIMIT + 10);
  t.ok(overload.refusing > 0 && overload.refusing < SAFE_SHARE, `two over it: refusing ${overload.refusing}`);
  t.equal(await guard.served(), false);
});

t.test('no probe for STALE_AFTER_MS: nothing refused on old waits, until a probe comes again', async (t) => {
  const { overload, clock } = setup();
  overload.observe(300);
  overload.observe(300);
  const share = overload.refusing;
  t.ok(share > 0);
  clock.ms += STALE_AFTER_MS;
  t.equal(overload.refusing, share, 'at the limit of staleness: still');
  clock.ms += 1;
  t.ok(overload.refusing === 0, 'past it: not');
  overload.observe(300);
  t.ok(overload.refusing > 0, 'a new probe that says the same: again');
});

t.test('one long wait is a pause: nothing refused until two in a row', async (t) => {
  const { overload, events } = setup();
  const guard = guarded(overload);
  overload.observe(1);
  overload.observe(LIMIT * 2);
  t.ok(overload.refusing === 0, 'one wait over the limit, after a short one: nothing refused yet');
  t.equal(await guard.served(), true);
  overload.observe(1);
  t.equal(await guard.served(), true, 'the pause is over');
  t.same(events(), [], 'and nothing logged');
});

t.test('the share refused: 503 with Retry-After, counted; the rest reach the handler', async (t) => {
  const { overload, draw, lines } = setup();
  const guard = guarded(overload);
  overload.observe(300);
  overload.observe(300);
  const share = overload.refusing;
  near(t, share, (ALPHA * 200 + BETA * 300) / 1000, 'share');
  const unlucky = request();
  draw.next = share - 0.01;
  await overload.refuseWhileOverloaded(async () => undefined)(unlucky.request);
  t.same(unlucky.answers, [{ status: 503, headers: [['Retry-After', '3']] }], 'an INVITE: its transaction keeps the 503 for the ACK');
  const register = request('REGISTER');
  await overload.refuseWhileOverloaded(async () => undefined)(register.request);
  t.same(register.answers, [{ status: 503, headers: [['Retry-After', '3']], stateless: true }], 'a REGISTER: answered statelessly, nothing kept');
  for (const [method, header] of [
    ['REGISTER', 'authorization'],
    ['INVITE', 'proxy-authorization'],
  ] as const) {
    let reached = false;
    const answered = request(method, header);
    await overload.refuseWhileOverloaded(async () => {
      reached = true;
    })(answered.request);
    t.ok(reached && answered.answers.length === 0, `a ${method} answering our challenge (${header}) is never refused`);
  }
  t.match(lines[0], { event: 'overload.started', level: 'warn', queueDelayMs: 300, maxQueueDelayMs: LIMIT });
  draw.next = share;
  t.equal(await guard.served(), true, 'a draw at or above the share is served');
  draw.next = 0;
  t.equal(await guard.served(), false);
  t.same(guard.counts, { handled: 1, refused: 1 });
  t.equal(lines.length, 1, 'started is logged once, at the first refusal');
});

t.test('the share stays between none and all', async (t) => {
  const { overload } = setup();
  for (let i = 0; i < 10; i++) overload.observe(LIMIT * 10);
  t.equal(overload.refusing, 1);
  overload.observe(0);
  t.ok(overload.refusing === 0, 'a wait that drops to nothing takes it straight down');
  overload.observe(0);
  overload.observe(0);
  overload.observe(150);
  overload.observe(150);
  t.ok(overload.refusing < 0.2, 'and it does not go below none meanwhile');
});

t.test('a limit of 0 never refuses', async (t) => {
  const { overload, events } = setup(0);
  for (let i = 0; i < 5; i++) overload.observe(60_000);
  t.equal(overload.refusing, 0);
  t.same(events(), []);
});

t.test('the longest wait since the last read, for the metrics', async (t) => {
  const { overload } = setup();
  overload.observe(3);
  overload.observe(12.5);
  overload.observe(7);
  t.equal(overload.takeLongestDelay(), 12.5);
  t.equal(overload.takeLongestDelay(), 0, 'read once');
});
