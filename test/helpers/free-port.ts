import dgram from 'node:dgram';
import { mkdirSync, openSync, closeSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Ports handed out come from below the kernel's ephemeral range (32768-60999
 * on Linux), so no socket the kernel numbers itself (SIPp's and Redis clients'
 * outgoing connections, a port-0 bind in another test process) can take one
 * between the check here and the caller's bind. Never the same twice in one
 * process, and never one that another live test process holds: tap runs test
 * files side by side, and a port handed out but not yet bound looks free to
 * the other process (a SIPp that could not bind its port failed a CI run).
 * Each hand-out is claimed with a file named after the port, created
 * exclusively and holding the claimer's pid; a claim whose process is gone is
 * taken over, and a process removes its claims when it exits.
 */
const LOW = 20_000;
const HIGH = 32_000;
const handedOut = new Set<number>();
const CLAIMS = join(tmpdir(), 'softswitch-test-ports');
let claiming = false;

/**
 * A loopback port that is free for both TCP and UDP right now (SIP listens on
 * both with one port number). There is a small window before the caller binds
 * it; callers that can retry on EADDRINUSE should.
 */
export async function freePort(address = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = LOW + Math.floor(Math.random() * (HIGH - LOW));
    if (handedOut.has(port) || !claim(port)) continue;
    handedOut.add(port);
    if ((await tcpPortFree(port, address)) && (await udpPortFree(port, address))) return port;
  }
  throw new Error('no port free for both TCP and UDP');
}

function tcpPortFree(port: number, address: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, address, () => server.close(() => resolve(true)));
  });
}

function udpPortFree(port: number, address: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket(net.isIPv6(address) ? 'udp6' : 'udp4');
    socket.once('error', () => {
      socket.close();
      resolve(false);
    });
    socket.bind(port, address, () => socket.close(() => resolve(true)));
  });
}

/** Claims the port for this process; false when a live process holds it. Exported for its test. */
export function claim(port: number): boolean {
  if (!claiming) {
    mkdirSync(CLAIMS, { recursive: true });
    process.once('exit', releaseClaims);
    claiming = true;
  }
  const file = join(CLAIMS, String(port));
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || holderAlive(file)) return false;
      try {
        unlinkSync(file);
      } catch {
        // another process took the stale claim over first
      }
    }
  }
  return false;
}

function holderAlive(file: string): boolean {
  let pid: number;
  try {
    pid = Number(readFileSync(file, 'utf8'));
  } catch {
    return false;
  }
  if (!Number.isInteger(pid) || pid <= 0) return true; // being written right now
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function releaseClaims(): void {
  for (const port of handedOut) {
    try {
      if (readFileSync(join(CLAIMS, String(port)), 'utf8') === String(process.pid)) unlinkSync(join(CLAIMS, String(port)));
    } catch {
      // already gone
    }
  }
}
