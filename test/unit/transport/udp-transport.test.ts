import t, { type Test } from 'tap';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { UdpTransport } from '../../../src/core/transport/udp-transport.js';
import { eventually } from '../../helpers/eventually.js';

/** A loopback receiver that collects what reaches it. */
async function receiver(t: Test, type: 'udp4' | 'udp6', address: string): Promise<{ port: number; got: string[] }> {
  const socket = dgram.createSocket(type);
  const got: string[] = [];
  socket.on('message', (m) => got.push(m.toString()));
  socket.bind(0, address);
  await once(socket, 'listening');
  t.teardown(() => socket.close());
  return { port: socket.address().port, got };
}

async function transport(t: Test, address: string): Promise<UdpTransport> {
  const udp = new UdpTransport(address, 0, () => undefined);
  await udp.listen();
  t.teardown(() => udp.close());
  return udp;
}

const arrived = (got: string[], count: number) => eventually(() => got.length >= count, { timeoutMs: 5_000, everyMs: 10 });

t.test('a datagram to an address is sent in the same turn: nothing deferred per send', async (t) => {
  const to = await receiver(t, 'udp4', '127.0.0.1');
  const udp = await transport(t, '127.0.0.1');
  const nextTick = process.nextTick;
  let deferred = 0;
  process.nextTick = ((...args: Parameters<typeof nextTick>) => {
    deferred++;
    return nextTick(...args);
  }) as typeof nextTick;
  try {
    for (let i = 0; i < 10; i++) t.ok(udp.send({ transport: 'UDP', address: '127.0.0.1', port: to.port }, Buffer.from(`m${i}`)));
  } finally {
    process.nextTick = nextTick;
  }
  t.equal(deferred, 0, 'no send waited for a later turn (dgram defers a lookup and a callback for each by default)');
  await arrived(to.got, 10);
  t.same(
    to.got,
    Array.from({ length: 10 }, (_, i) => `m${i}`),
    'all arrive, in order',
  );
});

t.test('IPv6 addresses are sent the same way, and a name still goes through DNS', async (t) => {
  const to6 = await receiver(t, 'udp6', '::1');
  const udp6 = await transport(t, '::1');
  udp6.send({ transport: 'UDP', address: '::1', port: to6.port }, Buffer.from('six'));
  await arrived(to6.got, 1);
  t.same(to6.got, ['six']);

  const to4 = await receiver(t, 'udp4', '127.0.0.1');
  const udp4 = await transport(t, '127.0.0.1');
  udp4.send({ transport: 'UDP', address: 'localhost', port: to4.port }, Buffer.from('named'));
  await arrived(to4.got, 1);
  t.same(to4.got, ['named'], 'localhost resolved to 127.0.0.1');
});
