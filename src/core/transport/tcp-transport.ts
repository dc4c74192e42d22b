import net from 'node:net';
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
  private readonly connections = new Map<string, net.Socket>();
  /** Latest connection per "address:port", so a send without a connection id can reuse one. */
  private readonly byRemote = new Map<string, string>();
  private nextId = 1;
  localPort: number;

  constructor(
    readonly localAddress: string,
    port: number,
    private readonly onMessage: MessageHandler,
    private readonly onFramingError: (why: string, address: string, port: number) => void = () => undefined,
  ) {
    this.localPort = port;
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  listen(): Promise<void> {
    const server = net.createServer((socket) => this.adopt(socket));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.localPort, this.localAddress, () => {
        server.off('error', reject);
        server.on('error', () => undefined);
        this.localPort = (server.address() as net.AddressInfo).port;
        resolve();
      });
    });
  }

  private adopt(socket: net.Socket): string {
    const id = `tcp-${this.nextId++}`;
    const address = normalizeAddress(socket.remoteAddress ?? '');
    const port = socket.remotePort ?? 0;
    const remoteKey = `${address}:${port}`;
    const framer = new StreamFramer();
    this.connections.set(id, socket);
    this.byRemote.set(remoteKey, id);
    socket.setNoDelay(true);
    socket.setTimeout(IDLE_TIMEOUT_MS, () => socket.destroy());
    socket.on('data', (chunk) => {
      for (const item of framer.push(chunk)) {
        if (item.kind === 'message') {
          this.onMessage(item.data, {
            transport: 'TCP', address, port,
            localAddress: this.localAddress, localPort: this.localPort, connectionId: id,
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
    socket.on('close', () => {
      this.connections.delete(id);
      if (this.byRemote.get(remoteKey) === id) this.byRemote.delete(remoteKey);
    });
    return id;
  }

  send(destination: Destination, data: Buffer): boolean {
    const id = (destination.connectionId && this.connections.has(destination.connectionId))
      ? destination.connectionId
      : this.byRemote.get(`${destination.address}:${destination.port}`);
    const existing = id ? this.connections.get(id) : undefined;
    if (existing && !existing.destroyed) {
      existing.write(data);
      return true;
    }
    // RFC 3261 §18.2.2: the connection is gone, so open a new one to the same address and port.
    const socket = net.connect({ host: destination.address, port: destination.port, localAddress: this.localAddress === '0.0.0.0' || this.localAddress === '::' ? undefined : this.localAddress });
    this.adopt(socket);
    socket.write(data);
    return true;
  }

  close(): Promise<void> {
    for (const socket of this.connections.values()) socket.destroy();
    this.connections.clear();
    this.byRemote.clear();
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
