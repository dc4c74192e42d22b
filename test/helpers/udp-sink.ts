import dgram from 'node:dgram';
import { RawMessage } from './raw-sip-message.js';

/**
 * A bare UDP socket standing in for a third party (a carrier, a victim of
 * reflection): it records every datagram it receives. `onMessage` lets a test
 * make it answer (e.g. send a request back, like a misconfigured peer).
 */
export class UdpSink {
  readonly received: RawMessage[] = [];
  onMessage: ((message: RawMessage, raw: Buffer) => void) | undefined;

  private constructor(private readonly socket: dgram.Socket) {
    socket.on('message', (data) => {
      const message = RawMessage.parse(data.toString('latin1'));
      this.received.push(message);
      this.onMessage?.(message, data);
    });
  }

  static async open(address: string, port = 0): Promise<UdpSink> {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, address, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    return new UdpSink(socket);
  }

  get address(): string {
    return this.socket.address().address;
  }

  get port(): number {
    return this.socket.address().port;
  }

  send(text: string, port: number, address = '127.0.0.1'): void {
    this.socket.send(Buffer.from(text, 'latin1'), port, address);
  }

  close(): void {
    this.socket.close();
  }
}

/** Lets datagrams already on their way arrive before a test checks that none did. */
export function quietPeriod(ms = 300): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
