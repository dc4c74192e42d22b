import dgram from 'node:dgram';
import net from 'node:net';

/**
 * Ports handed out come from below the kernel's ephemeral range (32768-60999
 * on Linux), so no socket the kernel numbers itself (SIPp's and Redis clients'
 * outgoing connections, a port-0 bind in another test process) can take one
 * between the check here and the caller's bind. Random within the range, so
 * parallel test processes rarely pick the same one; never the same twice in
 * one process.
 */
const LOW = 20_000;
const HIGH = 32_000;
const handedOut = new Set<number>();

/**
 * A loopback port that is free for both TCP and UDP right now (SIP listens on
 * both with one port number). There is a small window before the caller binds
 * it; callers that can retry on EADDRINUSE should.
 */
export async function freePort(address = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = LOW + Math.floor(Math.random() * (HIGH - LOW));
    if (handedOut.has(port)) continue;
    if ((await tcpPortFree(port, address)) && (await udpPortFree(port, address))) {
      handedOut.add(port);
      return port;
    }
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
