import { isUtf8 } from 'node:buffer';
import http from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { ConnectionTable, listenOn } from './connection-table.js';
import { normalizeAddress, type TlsCredentials } from './tcp-transport.js';
import { MAX_MESSAGE_BYTES, type Destination, type MessageHandler, type Transport } from './transport.js';

/** RFC 7118 §4: the WebSocket subprotocol SIP clients ask for. */
export const SIP_SUBPROTOCOL = 'sip';
/** A WebSocket ping this often; a connection that did not answer the previous one is dead. */
const PING_INTERVAL_MS = 30_000;
const CRLF = '\r\n';

interface Connection {
  socket: WebSocket;
  address: string;
  port: number;
  /** Answered the last ping (or carried anything since). */
  alive: boolean;
}

/** A client that has not finished its TLS handshake in this long is dropped. */
const HANDSHAKE_TIMEOUT_MS = 10_000;

/**
 * SIP over WebSocket (RFC 7118): an HTTP server (HTTPS for WSS) that upgrades requests
 * offering the `sip` subprotocol, one SIP message per WebSocket message (no
 * Content-Length framing), and every send over the connection the peer
 * opened: a WebSocket client cannot be reached any other way, so when its
 * connection is gone `send` returns false.
 */
export class WsTransport implements Transport {
  readonly name: 'WS' | 'WSS';
  private server: http.Server | undefined;
  private readonly wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_MESSAGE_BYTES,
    perMessageDeflate: false,
    clientTracking: false,
    handleProtocols: (protocols) => (protocols.has(SIP_SUBPROTOCOL) ? SIP_SUBPROTOCOL : false),
  });
  private readonly connections: ConnectionTable<Connection>;
  private pinger: NodeJS.Timeout | undefined;
  localPort: number;

  constructor(
    readonly localAddress: string,
    port: number,
    private readonly onMessage: MessageHandler,
    /** A refused handshake or a bad frame (the connection is closed). */
    private readonly onError: (why: string, address: string, port: number) => void = () => undefined,
    /** WSS: the certificate and key of the HTTPS server the WebSockets upgrade from. */
    private readonly tls?: TlsCredentials,
    /** This process is worker N of several on the port (connection ids name it). */
    worker?: number,
  ) {
    this.name = tls ? 'WSS' : 'WS';
    this.connections = new ConnectionTable<Connection>(this.name.toLowerCase(), worker);
    this.localPort = port;
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  async listen(): Promise<void> {
    const onRequest: http.RequestListener = (_req, res) => {
      // Plain HTTP: this endpoint speaks only WebSocket.
      res.writeHead(426, { Upgrade: 'websocket', Connection: 'close', 'Content-Length': '0' }).end();
    };
    const server = this.tls ? https.createServer({ ...this.tls, handshakeTimeout: HANDSHAKE_TIMEOUT_MS }, onRequest) : http.createServer(onRequest);
    if (this.tls) {
      server.on('tlsClientError', (err: Error, socket: Duplex & { remoteAddress?: string; remotePort?: number }) => {
        this.onError(`TLS handshake failed: ${err.message.split('\n')[0] ?? ''}`, normalizeAddress(socket.remoteAddress ?? ''), socket.remotePort ?? 0);
        socket.destroy();
      });
    }
    server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(req, socket, head));
    server.on('clientError', (_err, socket) => socket.destroy());
    this.server = server;
    this.localPort = await listenOn(server, this.localPort, this.localAddress);
    this.pinger = setInterval(() => this.ping(), PING_INTERVAL_MS);
    this.pinger.unref();
  }

  private upgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => undefined);
    const address = normalizeAddress(req.socket.remoteAddress ?? '');
    const port = req.socket.remotePort ?? 0;
    if (!offersSubprotocol(req.headers['sec-websocket-protocol'], SIP_SUBPROTOCOL)) {
      // RFC 7118 §4: a SIP WebSocket server only talks to clients that speak the sip subprotocol.
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      this.onError('WebSocket handshake without the sip subprotocol', address, port);
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.adopt(ws, address, port));
  }

  private adopt(socket: WebSocket, address: string, port: number): void {
    const connection: Connection = { socket, address, port, alive: true };
    const { id, forget } = this.connections.add(connection, address, port);
    socket.on('message', (raw: RawData) => {
      connection.alive = true;
      const data = toBuffer(raw);
      const kind = classifyWsMessage(data);
      if (kind === 'ping') socket.send(CRLF); // RFC 5626 §4.4.1 CRLF keep-alive, as sip.js sends it
      if (kind !== 'sip') return;
      this.onMessage(data, {
        transport: this.name,
        address,
        port,
        localAddress: this.localAddress,
        localPort: this.localPort,
        connectionId: id,
      });
    });
    socket.on('pong', () => {
      connection.alive = true;
    });
    // ws closes the connection itself after a protocol error (oversized message 1009, bad UTF-8 1007, ...).
    socket.on('error', (err) => this.onError(err.message, address, port));
    socket.on('close', forget);
  }

  send(destination: Destination, data: Buffer): boolean {
    const connection = this.connections.find(destination);
    if (!connection || connection.socket.readyState !== WebSocket.OPEN) return false;
    // RFC 7118 §5.1: text frames for UTF-8 messages, binary frames otherwise.
    connection.socket.send(data, { binary: !isUtf8(data) });
    return true;
  }

  /** Where a connection's peer is, for logs and Destination fields; undefined once it is gone. */
  peer(connectionId: string): { address: string; port: number } | undefined {
    const c = this.connections.get(connectionId);
    return c ? { address: c.address, port: c.port } : undefined;
  }

  private ping(): void {
    for (const connection of this.connections.values()) {
      if (!connection.alive) {
        connection.socket.terminate();
        continue;
      }
      connection.alive = false;
      connection.socket.ping();
    }
  }

  close(): Promise<void> {
    clearInterval(this.pinger);
    for (const connection of this.connections.values()) connection.socket.terminate();
    this.connections.clear();
    this.wss.close();
    const server = this.server;
    this.server = undefined;
    if (!server) return Promise.resolve();
    server.closeAllConnections();
    return new Promise((resolve) => server.close(() => resolve()));
  }
}

/** Whether a Sec-WebSocket-Protocol header (comma-separated tokens) offers `protocol`. */
export function offersSubprotocol(header: string | string[] | undefined, protocol: string): boolean {
  const values = Array.isArray(header) ? header : header === undefined ? [] : [header];
  return values.some((v) => v.split(',').some((token) => token.trim().toLowerCase() === protocol));
}

/**
 * What a WebSocket message carries: a SIP message, a CRLF keep-alive ping
 * ("\r\n\r\n", answered with "\r\n"), or blank (a pong or stray line breaks, ignored).
 */
export function classifyWsMessage(data: Buffer): 'sip' | 'ping' | 'blank' {
  for (const byte of data) {
    if (byte !== 0x0d && byte !== 0x0a) return 'sip';
  }
  return data.includes('\r\n\r\n') ? 'ping' : 'blank';
}

function toBuffer(raw: RawData): Buffer {
  if (Buffer.isBuffer(raw)) return raw;
  if (Array.isArray(raw)) return Buffer.concat(raw);
  return Buffer.from(raw);
}
