import { Writable } from 'node:stream';
import t from 'tap';
import type { Redis } from '../../../src/store/redis.js';
import { coalesceWrites } from '../../../src/store/write-coalescing.js';

/**
 * A client shaped like ioredis' for this purpose: `sendCommand` writes the
 * command to the stream passed in, or to its socket. The socket is a real
 * Node Writable, so cork/uncork behave as on a net.Socket; each call of its
 * write or writev is one entry of `writes` (one system call on a socket).
 */
function fakeClient() {
  const writes: string[][] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      writes.push([chunk.toString()]);
      done();
    },
    writev(chunks, done) {
      writes.push(chunks.map(({ chunk }) => String(chunk)));
      done();
    },
  });
  const client = {
    stream: stream as Writable | undefined,
    sent: [] as string[],
    sendCommand(command: string, own?: { write(text: string): void }): string {
      client.sent.push(command);
      if (own === undefined && !client.stream?.writable) throw new Error('not writable'); // ioredis refuses it
      (own ?? client.stream!).write(command);
      return command;
    },
  };
  coalesceWrites(client as unknown as Redis);
  return { client, writes, stream };
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

t.test('the commands of one turn leave in one write, once the turn is over', async (t) => {
  const { client, writes } = fakeClient();
  client.sendCommand('GET a');
  await Promise.resolve();
  client.sendCommand('EVALSHA x'); // after an await in the same turn: still the same write
  process.nextTick(() => client.sendCommand('HGETALL b'));
  await new Promise<void>((resolve) => process.nextTick(resolve));
  t.same(writes, [], 'nothing written while the turn runs');
  t.same(client.sent, ['GET a', 'EVALSHA x', 'HGETALL b'], 'every command handed on, in order');
  await nextTurn();
  t.same(writes, [['GET a', 'EVALSHA x', 'HGETALL b']], 'one write with all three, in order');
});

t.test('each turn gets a write of its own', async (t) => {
  const { client, writes } = fakeClient();
  client.sendCommand('GET a');
  await nextTurn();
  client.sendCommand('GET b');
  client.sendCommand('GET c');
  await nextTurn();
  client.sendCommand('GET d');
  await nextTurn();
  t.same(writes, [['GET a'], ['GET b', 'GET c'], ['GET d']]);
});

t.test('a command sent from a setImmediate is written in the next turn, not held longer', async (t) => {
  const { client, writes } = fakeClient();
  await nextTurn();
  client.sendCommand('GET a');
  await nextTurn();
  t.same(writes, [['GET a']]);
});

t.test("a pipeline's own stream is not corked: ioredis writes a pipeline in one piece already", async (t) => {
  const { client, writes, stream } = fakeClient();
  const own: string[] = [];
  client.sendCommand('MULTI', { write: (text: string) => own.push(text) });
  t.equal(stream.writableCorked, 0, 'the socket was not corked');
  client.sendCommand('GET a');
  t.equal(stream.writableCorked, 1, 'the next plain command corks it');
  await nextTurn();
  t.same(own, ['MULTI']);
  t.same(writes, [['GET a']]);
  t.equal(stream.writableCorked, 0, 'uncorked after the turn');
});

t.test('a socket that cannot be written, or none: not corked, and the command goes to ioredis untouched', async (t) => {
  const { client, writes, stream } = fakeClient();
  stream.end();
  t.throws(() => client.sendCommand('GET a'), 'ioredis refuses it');
  t.equal(stream.writableCorked, 0, 'an ended socket is not corked');
  client.stream = undefined;
  t.throws(() => client.sendCommand('GET b'));
  t.same(client.sent, ['GET a', 'GET b'], 'both handed on');
  await nextTurn();
  t.same(writes, []);
});

t.test('a socket replaced after a reconnect: the new one is corked, the old one uncorked', async (t) => {
  const first = fakeClient();
  first.client.sendCommand('GET a');
  const old = first.client.stream!;
  const fresh = fakeClient();
  first.client.stream = fresh.stream;
  await nextTurn();
  t.equal(old.writableCorked, 0, 'the old socket is uncorked');
  t.same(first.writes, [['GET a']]);
  first.client.sendCommand('GET b');
  t.equal(fresh.stream.writableCorked, 1, 'the new socket is corked for its turn');
  await nextTurn();
  t.same(fresh.writes, [['GET b']]);
});
