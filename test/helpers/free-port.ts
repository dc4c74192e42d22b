import dgram from 'node:dgram';
import net from 'node:net';

/**
 * A loopback port that is free for both TCP and UDP right now (SIP listens on
 * both with one port number). There is a small window before the caller binds
 * it; callers that can retry on EADDRINUSE should.
 */
export async function freePort(address = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await freeTcpPort(address);
    if (await udpPortFree(port, address)) return port;
  }
  throw new Error('no port free for both TCP and UDP');
}

function freeTcpPort(address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, address, () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
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
