import net from 'node:net';
import { ConnectionTable, listenOn } from './connection-table.js';
import { StreamFramer } from './stream-framer.js';
import type { Destination, MessageHandler, Transport } from './transport.js';

/** Connections that carried nothing for this long are closed; registered trunks refresh well within it. */
const IDLE_TIMEOUT_MS = 15 * 60_000;
const PONG = Buffer.from('\r\n');

/**
 * SIP over TCP (RFC 3261 §18): many connections, messages framed by
 * Content-Length, responses and requests sent back over the connection the
 * peer opened when it is still there, else over a new one.
 */
export class TcpTransport implements Transport {
  readonly name = 'TCP' as const;
  private server: net.Server | undefined;
  private readonly connections: ConnectionTable<net.Socket>;
  localPort: number;

  constructor(
    readonly localAddress: string,
    port: number,
    private readonly onMessage: MessageHandler,
    private readonly onFramingError: (why: string, address: string, port: number) => void = () => undefined,
    /** This process is worker N of several on the port (connection ids name it). */
    worker?: number,
  ) {
    this.localPort = port;
    this.connections = new ConnectionTable<net.Socket>('tcp', worker);
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  async listen(): Promise<void> {
    const server = net.createServer((socket) => this.adopt(socket));
    this.server = server;
    this.localPort = await listenOn(server, this.localPort, this.localAddress);
  }

  private adopt(socket: net.Socket): void {
    const address = normalizeAddress(socket.remoteAddress ?? '');
    const port = socket.remotePort ?? 0;
    const framer = new StreamFramer();
    const { id, forget } = this.connections.add(socket, address, port);
    socket.setNoDelay(true);
    socket.setTimeout(IDLE_TIMEOUT_MS, () => socket.destroy());
    socket.on('data', (chunk) => {
      for (const item of framer.push(chunk)) {
        if (item.kind === 'message') {
          this.onMessage(item.data, {
            transport: 'TCP',
            address,
            port,
            localAddress: this.localAddress,
            localPort: this.localPort,
            connectionId: id,
          });
        } else if (item.kind === 'ping') {
          socket.write(PONG);
        } else {
          this.onFramingError(item.why, address, port);
          socket.destroy();
        }
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', forget);
  }

  peer(connectionId: string): { address: string; port: number } | undefined {
    const socket = this.connections.get(connectionId);
    return socket && !socket.destroyed ? { address: normalizeAddress(socket.remoteAddress ?? ''), port: socket.remotePort ?? 0 } : undefined;
  }

  send(destination: Destination, data: Buffer): boolean {
    const existing = this.connections.find(destination);
    if (existing && !existing.destroyed) {
      existing.write(data);
      return true;
    }
    // RFC 3261 §18.2.2: the connection is gone, so open a new one to the same address and port.
    const socket = net.connect({
      host: destination.address,
      port: destination.port,
      localAddress: this.localAddress === '0.0.0.0' || this.localAddress === '::' ? undefined : this.localAddress,
    });
    this.adopt(socket);
    socket.write(data);
    return true;
  }

  close(): Promise<void> {
    for (const socket of this.connections.values()) socket.destroy();
    this.connections.clear();
    const server = this.server;
    this.server = undefined;
    if (!server) return Promise.resolve();
    return new Promise((resolve) => server.close(() => resolve()));
  }
}

/** "::ffff:127.0.0.1" -> "127.0.0.1", so addresses compare the same across transports. */
export function normalizeAddress(address: string): string {
  return address.startsWith('::ffff:') && net.isIPv4(address.slice(7)) ? address.slice(7) : address;
}
