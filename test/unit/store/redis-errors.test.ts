import { Writable } from 'node:stream';
import { ReplyError, type Redis } from 'ioredis';
import t from 'tap';
import { createLogger } from '../../../src/log.js';
import { isStoreUnavailable, StoreOutage } from '../../../src/store/redis-errors.js';

const ready = { status: 'ready' } as const;
const reconnecting = { status: 'reconnecting' } as const;
const named = (name: string, message = name) => Object.assign(new Error(message), { name });
const withCode = (code: string) => Object.assign(new Error(`connect ${code}`), { code });

t.test('outage: a stalled or unreachable Redis', async (t) => {
  t.ok(isStoreUnavailable(new Error('Command timed out'), [ready]), 'commandTimeout (the client stays ready while Redis is stalled)');
  t.ok(isStoreUnavailable(named('MaxRetriesPerRequestError', 'Reached the max retries per request limit'), [ready]));
  for (const code of ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOENT']) t.ok(isStoreUnavailable(withCode(code)), code);
  t.ok(isStoreUnavailable(new ReplyError('LOADING Redis is loading the dataset in memory')), 'LOADING');
  t.ok(isStoreUnavailable(new ReplyError('MASTERDOWN Link with MASTER is down')), 'MASTERDOWN');
  t.ok(
    isStoreUnavailable(new Error("Stream isn't writeable and enableOfflineQueue options is false"), [ready, reconnecting]),
    'an ioredis connection error while a client in use is not ready',
  );
});

t.test('not an outage: our own bugs and Redis refusing a command', async (t) => {
  t.notOk(isStoreUnavailable(new ReplyError('WRONGTYPE Operation against a key holding the wrong kind of value')), 'WRONGTYPE is a bug');
  t.notOk(isStoreUnavailable(new ReplyError('ERR Error running script')), 'a failing script is a bug');
  t.notOk(isStoreUnavailable(new TypeError("Cannot read properties of undefined (reading 'x')"), [reconnecting]), 'a TypeError is ours, whatever the state');
  t.notOk(isStoreUnavailable(new Error('Connection is closed.'), [ready]), 'a plain error with every client ready');
  t.notOk(isStoreUnavailable('Command timed out'), 'not an Error');
  t.notOk(isStoreUnavailable(undefined));
});

function capture(): { events: Array<Record<string, unknown>>; log: ReturnType<typeof createLogger> } {
  const events: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n')) if (l) events.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return { events, log: createLogger('info', sink) };
}

/** A client whose PING fails until `answers` is set. */
function fakeClient(): { client: Redis; answer(): void; pings(): number } {
  let answers = false;
  let pings = 0;
  const client = {
    status: 'ready',
    ping: async () => {
      pings++;
      if (!answers) throw new Error('Command timed out');
      return 'PONG';
    },
  } as unknown as Redis;
  return {
    client,
    answer: () => {
      answers = true;
    },
    pings: () => pings,
  };
}

const until = async (cond: () => boolean, ms = 2000) => {
  const deadline = Date.now() + ms;
  while (!cond() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
};

t.test('StoreOutage: one store.unavailable per outage, one store.available when Redis answers again', async (t) => {
  const { events, log } = capture();
  const fake = fakeClient();
  const outage = new StoreOutage([fake.client], log, 10);
  t.teardown(() => outage.close());
  t.notOk(outage.failed(new TypeError('bug'), { method: 'REGISTER' }), 'a bug is not an outage');
  t.notOk(outage.down);
  for (let i = 0; i < 50; i++) t.ok(outage.failed(new Error('Command timed out'), { method: 'REGISTER' }));
  t.ok(outage.down);
  await until(() => fake.pings() >= 3);
  t.ok(outage.down, 'still down while PING fails');
  fake.answer();
  await until(() => !outage.down);
  t.notOk(outage.down, 'up again once PING answers');
  await new Promise((r) => setImmediate(r));
  const seen = events.map((e) => e.event);
  t.same(seen, ['store.unavailable', 'store.available']);
  t.match(events[0], { level: 'warn', method: 'REGISTER', err: 'Command timed out' });
  const pingsAfter = fake.pings();
  await new Promise((r) => setTimeout(r, 50));
  t.equal(fake.pings(), pingsAfter, 'no probing once it is up');
  t.ok(outage.failed(new Error('Command timed out'), { method: 'INVITE' }), 'a later outage…');
  await new Promise((r) => setImmediate(r));
  t.equal(events.filter((e) => e.event === 'store.unavailable').length, 2, '…is logged again');
});
