import t, { type Test } from 'tap';
import { WebSocket } from 'ws';
import type { Source } from '../../../src/core/transport/transport.js';
import { classifyWsMessage, offersSubprotocol, WsTransport } from '../../../src/core/transport/ws-transport.js';

/**
 * SIP over WebSocket (RFC 7118): the handshake needs the `sip` subprotocol,
 * one WebSocket message is one SIP message, CRLF keep-alives are answered,
 * and sends go over the peer's own connection or not at all.
 */
const OPTIONS = (n: number) => `OPTIONS sip:ss.test SIP/2.0\r\nVia: SIP/2.0/WS h.invalid;branch=z9hG4bK${n}\r\n\r\n`;

t.test('Sec-WebSocket-Protocol must offer sip', async (t) => {
  t.ok(offersSubprotocol('sip', 'sip'));
  t.ok(offersSubprotocol('chat, SIP', 'sip'), 'case-insensitive, in a list');
  t.ok(offersSubprotocol(['chat', 'x, sip'], 'sip'), 'repeated headers');
  t.notOk(offersSubprotocol(undefined, 'sip'));
  t.notOk(offersSubprotocol('sips, msrp', 'sip'));
});

t.test('keep-alives are told apart from SIP messages', async (t) => {
  t.equal(classifyWsMessage(Buffer.from('\r\n\r\n')), 'ping');
  t.equal(classifyWsMessage(Buffer.from('\r\n')), 'blank');
  t.equal(classifyWsMessage(Buffer.alloc(0)), 'blank');
  t.equal(classifyWsMessage(Buffer.from(OPTIONS(1))), 'sip');
  t.equal(classifyWsMessage(Buffer.from('\r\n\r\nINVITE')), 'sip');
});

type Received = { data: string; source: Source };

async function startTransport(t: Test) {
  const received: Received[] = [];
  const errors: string[] = [];
  const transport = new WsTransport(
    '127.0.0.1',
    0,
    (data, source) => received.push({ data: data.toString(), source }),
    (why) => errors.push(why),
  );
  await transport.listen();
  t.teardown(() => transport.close());
  return { transport, received, errors, url: `ws://127.0.0.1:${transport.localPort}` };
}

function connect(t: Test, url: string, protocols: string[] = ['sip']): Promise<WebSocket> {
  const ws = new WebSocket(url, protocols);
  t.teardown(() => ws.terminate());
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

async function until(what: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!what()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const nextMessage = (ws: WebSocket): Promise<{ data: string; binary: boolean }> =>
  new Promise((resolve) => ws.once('message', (data, binary) => resolve({ data: (data as Buffer).toString(), binary })));

t.test('a sip client: messages in both directions over its connection', async (t) => {
  const { transport, received, url } = await startTransport(t);
  const ws = await connect(t, url);
  t.equal(ws.protocol, 'sip', 'the server agreed on the sip subprotocol');
  ws.send(OPTIONS(1));
  ws.send(Buffer.from(OPTIONS(2)), { binary: true });
  await until(() => received.length === 2);
  t.same(
    received.map((r) => r.data),
    [OPTIONS(1), OPTIONS(2)],
    'text and binary frames, one message each',
  );
  const source = received[0]!.source;
  t.equal(source.transport, 'WS');
  t.equal(source.address, '127.0.0.1');
  t.match(source.connectionId, /^ws-[0-9a-f]+-\d+$/);
  t.equal(transport.connectionCount, 1);

  const reply = nextMessage(ws);
  t.ok(transport.send({ transport: 'WS', address: '', port: 0, connectionId: source.connectionId! }, Buffer.from('SIP/2.0 200 OK\r\n\r\n')));
  t.same(await reply, { data: 'SIP/2.0 200 OK\r\n\r\n', binary: false }, 'UTF-8 goes out as a text frame');

  const byAddress = nextMessage(ws);
  t.ok(transport.send({ transport: 'WS', address: source.address, port: source.port }, Buffer.from([0x53, 0xff])), 'found by remote address too');
  t.equal((await byAddress).binary, true, 'non-UTF-8 goes out as a binary frame');

  const pong = nextMessage(ws);
  ws.send('\r\n\r\n');
  t.equal((await pong).data, '\r\n', 'CRLF keep-alive answered');
  t.equal(received.length, 2, 'keep-alives are not SIP messages');

  ws.close();
  await until(() => transport.connectionCount === 0);
  t.notOk(
    transport.send({ transport: 'WS', address: source.address, port: source.port, connectionId: source.connectionId! }, Buffer.from('x')),
    'a closed connection cannot be reached',
  );
  t.notOk(transport.send({ transport: 'WS', address: '127.0.0.1', port: 5060 }, Buffer.from('x')), 'nor an address with no connection');
});

t.test('a client without the sip subprotocol is refused', async (t) => {
  const { errors, received, url } = await startTransport(t);
  const ws = new WebSocket(url, ['chat']);
  t.teardown(() => ws.terminate());
  const status = await new Promise<number>((resolve, reject) => {
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.once('open', () => reject(new Error('handshake accepted')));
    ws.once('error', () => undefined);
  });
  t.equal(status, 400);
  t.match(errors[0], /sip subprotocol/);
  t.equal(received.length, 0);
});

t.test('an oversized message closes the connection; the server serves on', async (t) => {
  const { transport, errors, received, url } = await startTransport(t);
  const ws = await connect(t, url);
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  ws.send('X'.repeat(70_000));
  t.equal(await closed, 1009, 'closed with 1009 Message Too Big');
  t.ok(errors.length >= 1, `logged: ${errors[0]}`);
  await until(() => transport.connectionCount === 0);
  const again = await connect(t, url);
  again.send(OPTIONS(3));
  await until(() => received.length === 1);
  t.equal(received[0]!.data, OPTIONS(3));
});

t.test('plain HTTP gets 426 Upgrade Required', async (t) => {
  const { transport } = await startTransport(t);
  const res = await fetch(`http://127.0.0.1:${transport.localPort}/`);
  t.equal(res.status, 426);
});
