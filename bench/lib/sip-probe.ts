import { createSocket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { sleep } from './proc.js';

/** A minimal OPTIONS request from a throw-away loopback socket. */
function optionsRequest(host: string, port: number, localPort: number): string {
  const id = randomBytes(8).toString('hex');
  return [
    `OPTIONS sip:${host}:${port} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${localPort};branch=z9hG4bK${id};rport`,
    'Max-Forwards: 70',
    `From: <sip:probe@127.0.0.1>;tag=${id}`,
    `To: <sip:${host}:${port}>`,
    `Call-ID: probe-${id}@127.0.0.1`,
    'CSeq: 1 OPTIONS',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

/** One OPTIONS over UDP; resolves true if any SIP response arrives within waitMs. */
export function probeOnce(host: string, port: number, waitMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = createSocket('udp4');
    let settled = false;
    const done = (ok: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.close();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), waitMs);
    sock.on('error', () => done(false));
    sock.on('message', (msg) => done(msg.subarray(0, 8).toString() === 'SIP/2.0 '));
    sock.bind(0, '127.0.0.1', () => {
      sock.send(optionsRequest(host, port, sock.address().port), port, host);
    });
  });
}

/** Retries OPTIONS until answered, the deadline passes, or isDead() says the server exited. */
export async function waitForSip(host: string, port: number, timeoutMs: number, isDead: () => boolean): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (isDead()) return false;
    if (await probeOnce(host, port)) return true;
    await sleep(200);
  }
  return false;
}
