import net from 'node:net';
import tls from 'node:tls';
import { ConnectionTable, listenOn } from './connection-table.js';
import { StreamFramer } from './stream-framer.js';
import type { Destination, MessageHandler, Transport } from './transport.js';

/** Connections that carried nothing for this long are closed; registered trunks refresh well within it. */
const IDLE_TIMEOUT_MS = 15 * 60_000;
/** A TLS client that has not finished its handshake in this long is dropped (slow-handshake clients hold sockets). */
const HANDSHAKE_TIMEOUT_MS = 10_000;
const PONG = Buffer.from('\r\n');

/** The certificate and key a TLS listener presents, PEM. */
export interface TlsCredentials {
  cert: Buffer | string;
  key: Buffer | string;
}

/** Stream-transport options: plain TCP, or TLS with these credentials (RFC 3261 §26.2.1: TLS is TCP with a handshake first). */
export interface StreamOptions {
  tls?: TlsCredentials;
  /** Outgoing TLS connections: check the peer's certificate against the system CAs (default true). */
  verifyPeer?: boolean;
  /** More CA certificates to trust for outgoing TLS connections, PEM. */
  trustedCa?: Buffer | string;
  /** A refused handshake or a stream that cannot be framed (the connection is closed). */
  onError?: (why: string, address: string, port: number) => void;
  /** This process is worker N of several on the port (connection ids name it). */
  worker?: number;
}

/**
 * SIP over TCP or TLS (RFC 3261 §18, §26): many connections, messages framed
 * by Content-Length, responses and requests sent back over the connection
 * the peer opened when it is still there, else over a new one. TLS differs
 * only in the socket: the server and the outgoing connections speak TLS, and
 * everything after the handshake is the same framing.
 */
export class TcpTransport implements Transport {
  readonly name: 'TCP' | 'TLS';
  private server: net.Server | undefined;
  private readonly connections: ConnectionTable<net.Socket>;
  private readonly onError: (why: string, address: string, port: number) => void;
  localPort: number;

  constructor(
    readonly localAddress: string,
    port: number,
    private readonly onMessage: MessageHandler,
    private readonly options: StreamOptions = {},
  ) {
    this.name = options.tls ? 'TLS' : 'TCP';
    this.connections = new ConnectionTable<net.Socket>(this.name.toLowerCase(), options.worker);
    this.onError = options.onError ?? (() => undefined);
    this.localPort = port;
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  async listen(): Promise<void> {
    const credentials = this.options.tls;
    let server: net.Server;
    if (credentials) {
      const secure = tls.createServer({ ...credentials, handshakeTimeout: HANDSHAKE_TIMEOUT_MS }, (socket) => this.adopt(socket));
      // Plain text, garbage or a stalled handshake: only that connection is closed.
      secure.on('tlsClientError', (err, socket) => {
        this.onError(`TLS handshake failed: ${err.message.split('\n')[0] ?? ''}`, normalizeAddress(socket.remoteAddress ?? ''), socket.remotePort ?? 0);
        socket.destroy();
      });
      server = secure;
    } else {
      server = net.createServer((socket) => this.adopt(socket));
    }
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
    socket.on('data', (chunk: Buffer) => {
      for (const item of framer.push(chunk)) {
        if (item.kind === 'message') {
          this.onMessage(item.data, {
            transport: this.name,
            address,
            port,
            localAddress: this.localAddress,
            localPort: this.localPort,
            connectionId: id,
          });
        } else if (item.kind === 'ping') {
          socket.write(PONG);
        } else {
          this.onError(item.why, address, port);
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
    const localAddress = this.localAddress === '0.0.0.0' || this.localAddress === '::' ? undefined : this.localAddress;
    const target = { host: destination.address, port: destination.port, localAddress };
    const socket = this.options.tls ? this.connectTls(target) : net.connect(target);
    this.adopt(socket);
    socket.write(data);
    return true;
  }

  /**
   * A new TLS connection (RFC 5630 §3.1): the far end proves who it is, by a
   * system CA or `trustedCa`; the bytes written wait for the handshake, and a
   * refused certificate closes the connection, logged, with nothing sent.
   */
  private connectTls(target: { host: string; port: number; localAddress: string | undefined }): tls.TLSSocket {
    const ca = this.options.trustedCa ? [...tls.rootCertificates, this.options.trustedCa.toString()] : undefined;
    const socket = tls.connect({
      ...target,
      rejectUnauthorized: this.options.verifyPeer ?? true,
      ...(ca ? { ca } : {}),
      ...(net.isIP(target.host) ? {} : { servername: target.host }),
    });
    socket.once('error', (err: Error) => this.onError(`TLS connection failed: ${err.message.split('\n')[0] ?? ''}`, target.host, target.port));
    return socket;
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
