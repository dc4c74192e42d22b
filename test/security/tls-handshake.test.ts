import { randomBytes } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import t from 'tap';
import { registerLine, type RawLine } from '../helpers/raw-call.js';
import { RawSipClient } from '../helpers/raw-sip-client.js';
import { startTestRedis } from '../helpers/redis-server.js';
import { provision, ServerProcess, writeServerConfig } from '../helpers/server-process.js';
import { addListeners, selfSignedCertificate } from '../helpers/tls-cert.js';

/**
 * Attacks on the TLS and WSS listeners from an unauthenticated source: plain
 * SIP and random bytes where a TLS handshake belongs, a client that connects
 * and never starts its handshake, and junk after a good handshake. Each only
 * closes that connection, logged as `sip.malformed` naming transport, source
 * and reason; the node goes on serving TLS registrations. And a node whose
 * configured key file is missing refuses to start, naming the field.
 */
const DOMAIN = 'test.example';
const cert = selfSignedCertificate();
const redis = await startTestRedis();
t.teardown(() => redis.stop());
const config = await writeServerConfig({ redisUrl: redis.url, keyPrefix: 'tlsatk:', domain: DOMAIN, algorithms: ['MD5'] });
const ports = await addListeners(config, cert, ['tls', 'wss']);
await provision(config, {
  voiceGroups: [
    {
      id: 'VG1',
      name: 'TLS',
      sites: [
        { id: '1000001', name: 'Site', lines: [{ sipId: 'tls-pbx', password: 'tls-pbx-secret-1', auth: 'digest', channels: 2, basicNumber: '0312349001' }] },
      ],
    },
  ],
});
const server = await ServerProcess.start(config);
t.teardown(() => server.stop());

/** Opens a plain TCP connection, writes `bytes`, and resolves when the server closes it (rejects after `timeoutMs`). */
function closedAfter(port: number, bytes: Buffer | string | undefined, timeoutMs = 15_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server kept the connection open for ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('connect', () => {
      if (bytes !== undefined) socket.write(bytes);
    });
    socket.on('data', () => undefined);
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** A TLS client that completes its handshake, then writes `bytes`; resolves when the server closes the connection. */
function closedAfterHandshake(port: number, bytes: Buffer | string, timeoutMs = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server kept the connection open for ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('secureConnect', () => socket.write(bytes));
    socket.on('data', () => undefined);
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

const PLAIN_REGISTER = [
  `REGISTER sip:${DOMAIN} SIP/2.0`,
  'Via: SIP/2.0/TCP 127.0.0.1:5999;branch=z9hG4bK-plain',
  `From: <sip:tls-pbx@${DOMAIN}>;tag=1`,
  `To: <sip:tls-pbx@${DOMAIN}>`,
  'Call-ID: plain@attacker',
  'CSeq: 1 REGISTER',
  'Content-Length: 0',
  '',
  '',
].join('\r\n');

t.test('plain SIP and random bytes where the TLS handshake belongs: that connection is closed and logged', async (t) => {
  const since = server.mark();
  await closedAfter(ports.tls, PLAIN_REGISTER);
  await closedAfter(ports.tls, randomBytes(4096));
  await closedAfter(ports.wss, 'GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n\r\n');
  const tlsErrors = await server.waitForEvent('sip.malformed', { since, where: (l) => l.transport === 'TLS' });
  t.match(tlsErrors, { address: '127.0.0.1', why: /^TLS handshake failed/ }, 'TLS: source and reason named');
  const wssErrors = await server.waitForEvent('sip.malformed', { since, where: (l) => l.transport === 'WSS' });
  t.match(wssErrors, { address: '127.0.0.1', why: /^TLS handshake failed/ }, 'WSS: source and reason named');
  t.notOk(server.output.includes('plain@attacker'), 'the plain REGISTER was never read as SIP');
});

t.test('a client that connects and never starts its handshake is dropped (it cannot hold a socket)', async (t) => {
  const since = server.mark();
  await closedAfter(ports.tls, undefined, 20_000);
  const dropped = await server.waitForEvent('sip.malformed', { since, where: (l) => l.transport === 'TLS' });
  t.match(dropped.why, /^TLS handshake failed/, 'logged as a failed handshake');
});

t.test('junk after a good handshake closes only that connection', async (t) => {
  const since = server.mark();
  await closedAfterHandshake(ports.tls, 'NOT SIP AT ALL\r\nNo-Length: here\r\n\r\n');
  await closedAfterHandshake(ports.tls, Buffer.alloc(70_000, 0x41)); // no header end within the size limit
  const framing = (why: RegExp) => server.waitForEvent('sip.malformed', { since, where: (l) => l.transport === 'TLS' && why.test(String(l.why)) });
  t.ok(await framing(/Content-Length/), 'a message with no Content-Length on a stream: closed and logged');
  t.ok(await framing(/too large/), 'an endless header section: closed and logged');
});

t.test('after all that the node still serves TLS: a line registers with digest', async (t) => {
  const client = await RawSipClient.open('tls', { port: ports.tls });
  t.teardown(() => client.close());
  const line: RawLine = { client, sipId: 'tls-pbx', password: 'tls-pbx-secret-1', number: '0312349001' };
  t.equal((await registerLine(line, DOMAIN)).status, 200);
  t.ok(server.running, 'the process is up');
});

t.test('a config whose key file is missing is refused at start, naming the field', async (t) => {
  const broken = await writeServerConfig({ redisUrl: redis.url, keyPrefix: 'tlsatk2:', domain: DOMAIN, nodeId: 'node-b' });
  await addListeners(broken, { ...cert, keyFile: `${cert.dir}/missing-key.pem` }, ['tls']);
  await t.rejects(ServerProcess.start(broken), /sip\.tls\.keyFile: cannot read \S+missing-key\.pem \(ENOENT\)/);
});
