import dgram from 'node:dgram';
import net from 'node:net';
import type { Destination, MessageHandler, Transport } from './transport.js';

export class UdpTransport implements Transport {
  readonly name = 'UDP' as const;
  private socket: dgram.Socket | undefined;
  localPort: number;

  constructor(
    readonly localAddress: string,
    port: number,
    private readonly onMessage: MessageHandler,
  ) {
    this.localPort = port;
  }

  listen(): Promise<void> {
    const socket = dgram.createSocket({ type: net.isIPv6(this.localAddress) ? 'udp6' : 'udp4' });
    this.socket = socket;
    socket.on('message', (data, rinfo) => {
      // Keep-alive CRLF (RFC 5626 §4.4.1) and stray noise: nothing to parse.
      if (data.length <= 4 && data.every((b) => b === 0x0d || b === 0x0a || b === 0x00)) return;
      this.onMessage(data, {
        transport: 'UDP',
        address: rinfo.address,
        port: rinfo.port,
        localAddress: this.localAddress,
        localPort: this.localPort,
      });
    });
    return new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(this.localPort, this.localAddress, () => {
        socket.off('error', reject);
        // A send error (e.g. ICMP unreachable surfaced by the OS) must never take the server down.
        socket.on('error', () => undefined);
        this.localPort = socket.address().port;
        resolve();
      });
    });
  }

  send(destination: Destination, data: Buffer): boolean {
    if (!this.socket) return false;
    this.socket.send(data, destination.port, destination.address, () => undefined);
    return true;
  }

  close(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    if (!socket) return Promise.resolve();
    return new Promise((resolve) => socket.close(() => resolve()));
  }
}
