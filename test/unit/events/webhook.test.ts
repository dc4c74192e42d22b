import { createHmac } from 'node:crypto';
import { Writable } from 'node:stream';
import t from 'tap';
import type { TrunkStateEvent } from '../../../src/events/trunk-events.js';
import { backoffMs, signature, WebhookSender, type WebhookPost, type WebhookSettings } from '../../../src/events/webhook.js';
import { createLogger } from '../../../src/log.js';
import { FakeClock } from '../../helpers/fake-clock.js';

/** The webhook queue without sockets: a scripted POST and a fake clock. */
const settings: WebhookSettings = { url: 'http://127.0.0.1:9/hook', timeoutMs: 1000, queueSize: 3, maxAttempts: 3, retryBaseMs: 100, retryMaxMs: 250 };

function setup(answers: Array<number | Error>, over: Partial<WebhookSettings> = {}) {
  const logged: Array<Record<string, unknown>> = [];
  const log = createLogger(
    'info',
    new Writable({
      write(chunk: Buffer, _e, done) {
        logged.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    }),
  );
  const posted: Array<{ body: Record<string, unknown>; raw: string; headers: Record<string, string> }> = [];
  const pending: Array<() => void> = [];
  /** Each POST waits until the test releases it, then answers the next scripted status (200 when the script is over). */
  const post: WebhookPost = (_url, body, headers) => {
    posted.push({ body: JSON.parse(body) as Record<string, unknown>, raw: body, headers });
    const answer = answers.shift() ?? 200;
    return new Promise((resolve, reject) => pending.push(() => (answer instanceof Error ? reject(answer) : resolve(answer))));
  };
  const clock = new FakeClock();
  const sender = new WebhookSender({ ...settings, ...over }, log, post, clock);
  const release = async () => {
    pending.shift()?.();
    for (let i = 0; i < 5; i++) await Promise.resolve();
  };
  return { sender, posted, clock, logged, release };
}

let n = 0;
function event(sipId = 'bob'): TrunkStateEvent {
  n++;
  return {
    event: 'trunk.state',
    sipId,
    state: 'not registered',
    previous: 'registered',
    reason: 'expired',
    id: `id-${n}`,
    at: '2026-11-29T00:00:00.000Z',
    node: 'a',
  };
}

t.test('back-off doubles from the base and stops at the cap', async (t) => {
  t.same(
    [1, 2, 3, 4, 5].map((k) => backoffMs(k, 100, 250)),
    [100, 200, 250, 250, 250],
  );
});

t.test('send returns at once; a 500 is retried after the back-off, in order, then the next event goes', async (t) => {
  const { sender, posted, clock, release, logged } = setup([500, 200, 200]);
  const first = event();
  const second = event('carol');
  sender.send(first);
  sender.send(second);
  t.equal(posted.length, 1, 'one POST in flight at a time');
  await release(); // 500
  t.equal(posted.length, 1, 'no retry before the back-off');
  clock.advance(99);
  t.equal(posted.length, 1, 'still waiting at 99 ms');
  clock.advance(1);
  t.equal(posted.length, 2, 'retried at 100 ms');
  t.equal(posted[1]!.body.id, first.id, 'the same event, same delivery id');
  await release(); // 200
  t.equal(posted.length, 3, 'then the next event');
  t.equal(posted[2]!.body.sipId, 'carol');
  await release();
  t.same(sender.counts, { delivered: 2, failedAttempts: 1, gaveUp: 0, dropped: 0 });
  t.ok(
    logged.some((l) => l.event === 'webhook.failed' && l.why === 'HTTP 500' && l.retryInMs === 100),
    'the failure is logged with its retry time',
  );
  t.equal(sender.pending, 0);
});

t.test('network errors count as failures; after maxAttempts the event is given up and logged', async (t) => {
  const { sender, posted, clock, release, logged } = setup([new Error('ECONNREFUSED'), 503, 502, 200]);
  sender.send(event());
  await release();
  clock.advance(100);
  await release();
  clock.advance(200);
  await release();
  t.equal(posted.length, 3, 'three attempts, the first included');
  clock.advance(10_000);
  t.equal(posted.length, 3, 'no fourth');
  t.equal(sender.counts.gaveUp, 1);
  t.ok(logged.some((l) => l.event === 'webhook.failed' && l.gaveUp === true));
  t.ok(
    logged.some((l) => l.event === 'webhook.failed' && l.why === 'ECONNREFUSED'),
    'the network error named',
  );
});

t.test('a full queue drops the oldest waiting event (not the one in flight) and logs how many', async (t) => {
  const { sender, posted, release, logged } = setup([]);
  const events = [event('e1'), event('e2'), event('e3'), event('e4'), event('e5')];
  for (const e of events) sender.send(e);
  t.equal(sender.pending, 3, 'bounded at queueSize');
  t.equal(sender.counts.dropped, 2);
  for (let i = 0; i < 3; i++) await release();
  t.same(
    posted.map((p) => p.body.sipId),
    ['e1', 'e4', 'e5'],
    'the in-flight head finished, e2 and e3 were dropped, the newest delivered',
  );
  const drops = logged.filter((l) => l.event === 'webhook.dropped');
  t.equal(
    drops.reduce((sum, l) => sum + Number(l.count), 0),
    2,
    'both drops logged, as counts',
  );
});

t.test('the body is signed with HMAC-SHA256 when a secret is set, and carries the event headers', async (t) => {
  const { sender, posted, release } = setup([], { secret: 'a-long-webhook-secret' });
  sender.send(event());
  await release();
  const { raw, headers } = posted[0]!;
  const expected = `sha256=${createHmac('sha256', 'a-long-webhook-secret').update(raw).digest('hex')}`;
  t.equal(headers['x-softswitch-signature'], expected, 'signature of the exact body');
  t.equal(signature('a-long-webhook-secret', raw), expected);
  t.equal(headers['x-softswitch-event'], 'trunk.state');
  t.equal(headers['content-type'], 'application/json');
  const { sender: plain, posted: plainPosted, release: go } = setup([]);
  plain.send(event());
  await go();
  t.equal(plainPosted[0]!.headers['x-softswitch-signature'], undefined, 'no secret, no signature');
});

t.test('after close nothing is sent or retried', async (t) => {
  const { sender, posted, clock, release } = setup([500]);
  sender.send(event());
  await release();
  sender.close();
  clock.advance(1000);
  sender.send(event());
  t.equal(posted.length, 1);
});
