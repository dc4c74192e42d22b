import { Writable } from 'node:stream';
import t from 'tap';
import { parseMessage, type SipRequest } from '../../../src/core/messages/index.js';
import type { IncomingRequest } from '../../../src/core/server/incoming-request.js';
import { createLogger } from '../../../src/log.js';
import { LogSummariser } from '../../../src/log-summary.js';
import type { RegistrationStatusStore } from '../../../src/store/registration-status.js';
import { AuthFailureReporter } from '../../../src/security/auth-failures.js';
import { BanGuard } from '../../../src/security/ban-guard.js';
import type { Ban, SecurityStore } from '../../../src/store/security-store.js';

/** An in-memory stand-in for the Redis store: counters and bans as the Lua script and SET NX keep them. */
function memoryStore() {
  const counts = new Map<string, number>();
  const bans = new Map<string, Ban>();
  const store = {
    countFailure: async (address: string, sipId: string) => {
      const s = (counts.get(`s:${address}`) ?? 0) + 1;
      const i = (counts.get(`i:${sipId}`) ?? 0) + 1;
      counts.set(`s:${address}`, s);
      counts.set(`i:${sipId}`, i);
      return { source: s, sipId: i };
    },
    ban: async (ban: Ban) => {
      if (bans.has(ban.address)) return false;
      bans.set(ban.address, ban);
      return true;
    },
    bindingSources: async () => [],
    bannedUntil: async () => new Map([...bans.values()].map((b) => [b.address, b.until])),
  };
  return { store: store as unknown as SecurityStore, bans };
}

function setup(trusted: string[] = []) {
  const { store, bans } = memoryStore();
  const logged: Array<Record<string, unknown>> = [];
  const log = createLogger(
    'info',
    new Writable({
      write(chunk, _e, done) {
        logged.push(JSON.parse(String(chunk)));
        done();
      },
    }),
  );
  const errors: Array<[string, string]> = [];
  const status = {
    recordError: async (sipId: string, _at: Date, text: string) => {
      errors.push([sipId, text]);
    },
    discardError: async (_at: Date, text: string) => {
      errors.push(['(discarded)', text]);
    },
  } as unknown as RegistrationStatusStore;
  const guard = new BanGuard(store, 'drop', () => 1_000);
  const summary = new LogSummariser(log);
  const reporter = new AuthFailureReporter({
    store,
    guard,
    status,
    log,
    summary,
    now: () => 1_000,
    trusted: async (a) => trusted.includes(a),
    settings: { maxFailures: 3, windowSeconds: 60, banSeconds: 900, sipIdMaxFailures: 10, targetedMaxFailures: 2 },
  });
  return { reporter, guard, bans, logged, errors, summary };
}

const noop = (): void => undefined;
const req = (address: string, method = 'REGISTER', port = 5060) =>
  ({ method, callId: 'c', source: { transport: 'UDP', address, port, localAddress: '127.0.0.1', localPort: 5060 } }) as unknown as IncomingRequest;

t.test('wrong passwords and unknown SIP-IDs count alike; one ban, logged once', async (t) => {
  const { reporter, guard, bans, logged, summary } = setup();
  for (let i = 0; i < 3; i++) await reporter.refuse(req('192.0.2.1'), { reason: i % 2 ? 'unknown SIP-ID' : 'wrong password', sipId: `id${i}` }, noop);
  t.equal(bans.size, 0, 'three failures: allowed');
  for (let i = 0; i < 5; i++) await reporter.refuse(req('192.0.2.1'), { reason: 'unknown SIP-ID', sipId: 'nobody' }, noop);
  t.equal(bans.get('192.0.2.1')?.reason, 'too many failed authentications');
  t.equal(bans.get('192.0.2.1')?.until, 1_000 + 900_000);
  const banned = logged.filter((l) => l.event === 'security.banned');
  t.equal(banned.length, 1, 'one security.banned line, not one per failure');
  t.match(banned[0], { address: '192.0.2.1', count: 4, sipId: 'nobody' }, noop);
  summary.close();
  const failedLines = logged.filter((l) => l.event === 'auth.failed').length;
  const suppressed = logged.filter((l) => l.event === 'log.suppressed' && l.of === 'auth.failed').reduce((n, l) => n + Number(l.count), 0);
  t.ok(failedLines < 8, `repeats from one source are summarised (${failedLines} full lines)`);
  t.equal(failedLines + suppressed, 8, 'every failure is logged or counted');
  const register = parseMessage(
    Buffer.from(
      'REGISTER sip:x SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK-2\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:a@x>\r\nCall-ID: c\r\nCSeq: 1 REGISTER\r\nContent-Length: 0\r\n\r\n',
    ),
  );
  t.equal(
    guard.screen(register as SipRequest, { transport: 'UDP', address: '192.0.2.1', port: 1, localAddress: '', localPort: 0 }),
    'drop',
    'in force on this node at once',
  );
});

t.test('many sources guessing one SIP-ID are banned after fewer failures each', async (t) => {
  const { reporter, bans } = setup();
  for (let i = 1; i <= 10; i++) await reporter.refuse(req(`198.51.100.${i}`), { reason: 'wrong password', sipId: 'pbx-tokyo' }, noop);
  t.equal(bans.size, 0, 'ten sources, one failure each: the SIP-ID reaches its limit');
  for (let i = 1; i <= 3; i++) {
    await reporter.refuse(req('198.51.100.1'), { reason: 'wrong password', sipId: 'pbx-tokyo' }, noop);
    await reporter.refuse(req('198.51.100.2'), { reason: 'wrong password', sipId: 'pbx-tokyo' }, noop);
  }
  t.equal(bans.get('198.51.100.1')?.reason, 'guessing a targeted SIP-ID');
  t.ok(bans.has('198.51.100.2'));
  t.notOk(bans.has('198.51.100.3'), 'a source that failed once is not banned');
});

t.test('an address trusted by configuration is never banned', async (t) => {
  const { reporter, bans, logged } = setup(['203.0.113.5']);
  for (let i = 0; i < 10; i++) await reporter.refuse(req('203.0.113.5'), { reason: 'wrong password', sipId: 'alice' }, noop);
  t.equal(bans.size, 0);
  t.equal(logged.filter((l) => l.event === 'security.ban_skipped').length, 1, 'said once');
});

t.test('the guess is counted (and the ban made) before the answer; the latest error written after it', async (t) => {
  const { reporter, bans, errors } = setup();
  for (let i = 0; i < 3; i++) await reporter.refuse(req('192.0.2.50'), { reason: 'wrong password', sipId: 'alice' }, noop);
  let seen: { banned: boolean; errors: number } | undefined;
  const before = errors.length;
  await reporter.refuse(req('192.0.2.50'), { reason: 'wrong password', sipId: 'alice' }, () => {
    seen = { banned: bans.has('192.0.2.50'), errors: errors.length - before };
  });
  t.same(seen, { banned: true, errors: 0 }, 'banned when the answer goes out; no latest-error write yet');
  t.equal(errors.length - before, 1, 'written once the answer is out');
});

t.test('the latest error is recorded only for failures that prove the line exists, for INVITE too', async (t) => {
  const { reporter, errors, bans } = setup();
  await reporter.refuse(req('192.0.2.9', 'INVITE'), { reason: 'wrong password', sipId: 'alice' }, noop);
  await reporter.refuse(req('192.0.2.9', 'INVITE'), { reason: 'unknown SIP-ID', sipId: 'mallory' }, noop);
  await reporter.refuse(req('192.0.2.9'), { reason: 'nonce-count replay', sipId: 'bob' }, noop);
  await reporter.refuse(req('192.0.2.9'), { reason: 'invalid nonce', sipId: 'carol' }, noop);
  t.same(
    errors,
    [
      ['alice', 'INVITE authentication failed: wrong password'],
      ['(discarded)', 'INVITE authentication failed: unknown SIP-ID'],
      ['bob', 'REGISTER authentication failed: nonce-count replay'],
    ],
    'an unknown SIP-ID costs the same write, to the throwaway key',
  );
  t.equal(bans.size, 0);
});
