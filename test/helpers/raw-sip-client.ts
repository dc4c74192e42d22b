import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import net from 'node:net';
import tls from 'node:tls';
import { WebSocket } from 'ws';
import { RawMessage } from './raw-sip-message.js';
import { buildDigestCredentials, type DigestAlgorithm } from './sip-digest.js';

export { RawMessage, splitList } from './raw-sip-message.js';

/**
 * A deliberately small SIP user agent for the cases SIPp cannot express
 * (stale nonces, replayed nonce-counts, SHA-256, `Contact: *`, q-values,
 * Path, malformed bytes). Messages are plain text built here, independent of
 * the server's own parser, so a bug there cannot hide itself.
 */
export type RawTransport = 'udp' | 'tcp' | 'tls' | 'ws' | 'wss';

export const randomToken = (bytes = 6): string => randomBytes(bytes).toString('hex');

export interface RegisterSpec {
  user: string;
  domain: string;
  callId: string;
  cseq: number;
  /** Contact header values (each one header line), or '*'; none for a query. */
  contacts?: string[] | '*';
  expires?: number;
  authorization?: string;
  /** To user when it should differ from `user`. */
  toUser?: string;
  fromTag?: string;
  headers?: Array<[string, string]>;
}

export class RawSipClient {
  readonly received: RawMessage[] = [];
  private readonly waiters = new Set<() => void>();
  private closedFlag = false;
  /** Resolves when the TCP connection closes (or the UDP socket is closed). */
  readonly closed: Promise<void>;
  private markClosed!: () => void;

  private constructor(
    readonly transport: RawTransport,
    readonly server: { host: string; port: number },
    private readonly udp: dgram.Socket | undefined,
    private readonly tcp: net.Socket | undefined,
    /** ws and wss (RFC 7118): one SIP message per WebSocket message. */
    private readonly ws?: WebSocket,
  ) {
    this.closed = new Promise((resolve) => {
      this.markClosed = () => {
        this.closedFlag = true;
        this.wake();
        resolve();
      };
    });
    if (udp) {
      udp.on('message', (data) => this.onMessage(data.toString('latin1')));
      udp.on('close', () => this.markClosed());
    }
    if (tcp) {
      let buffer = '';
      tcp.setEncoding('latin1');
      tcp.on('data', (chunk: string) => {
        buffer += chunk;
        for (;;) {
          buffer = buffer.replace(/^(\r\n)+/, '');
          const end = buffer.indexOf('\r\n\r\n');
          if (end < 0) break;
          const length = Number(/\r\n(?:content-length|l)[ \t]*:[ \t]*(\d+)/i.exec(buffer.slice(0, end + 2))?.[1] ?? 0);
          if (buffer.length < end + 4 + length) break;
          this.onMessage(buffer.slice(0, end + 4 + length));
          buffer = buffer.slice(end + 4 + length);
        }
      });
      tcp.on('error', () => undefined);
      tcp.on('close', () => this.markClosed());
    }
    if (ws) {
      ws.on('message', (data: Buffer) => {
        const text = data.toString('latin1');
        if (text.replace(/\r\n/g, '') !== '') this.onMessage(text);
      });
      ws.on('error', () => undefined);
      ws.on('close', () => this.markClosed());
    }
  }

  /**
   * `from`: the loopback address to send from (a trusted trunk's, say), or that address and a port;
   * default 127.0.0.1 and a free port.
   */
  static async open(
    transport: RawTransport,
    server: { host?: string; port: number },
    from: string | { address?: string; port?: number } = {},
  ): Promise<RawSipClient> {
    const target = { host: server.host ?? '127.0.0.1', port: server.port };
    const local = typeof from === 'string' ? { address: from } : from;
    const localAddress = local.address ?? '127.0.0.1';
    if (transport === 'udp') {
      const socket = dgram.createSocket('udp4');
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.bind(local.port ?? 0, localAddress, () => {
          socket.off('error', reject);
          resolve();
        });
      });
      return new RawSipClient('udp', target, socket, undefined);
    }
    if (transport === 'ws' || transport === 'wss') {
      // Test certificates are self-signed: the client does not check them.
      const ws = new WebSocket(`${transport}://${target.host}:${target.port}`, 'sip', { rejectUnauthorized: false, localAddress });
      await new Promise<void>((resolve, reject) => {
        ws.once('error', reject);
        ws.once('open', () => {
          ws.off('error', reject);
          resolve();
        });
      });
      return new RawSipClient(transport, target, undefined, undefined, ws);
    }
    const options = { host: target.host, port: target.port, localAddress, ...(local.port ? { localPort: local.port } : {}) };
    const socket = transport === 'tls' ? tls.connect({ ...options, rejectUnauthorized: false }) : net.connect(options);
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.once(transport === 'tls' ? 'secureConnect' : 'connect', () => {
        socket.off('error', reject);
        resolve();
      });
    });
    return new RawSipClient(transport, target, undefined, socket);
  }

  /** A client on a connection someone else opened: the server's, accepted by a test's own TCP or TLS listener (a phone's Contact). */
  static fromSocket(transport: 'tcp' | 'tls', socket: net.Socket, server: { host: string; port: number }): RawSipClient {
    return new RawSipClient(transport, server, undefined, socket);
  }

  /** A WebSocket client's host in Via and Contact: it cannot be reached by address (RFC 7118 §5). */
  private readonly invalidHost = `${randomToken(4)}.invalid`;

  get localAddress(): string {
    if (this.ws) return this.invalidHost;
    return this.udp ? this.udp.address().address : this.tcp!.localAddress!;
  }

  get localPort(): number {
    if (this.ws) return 0;
    return this.udp ? this.udp.address().port : this.tcp!.localPort!;
  }

  get isClosed(): boolean {
    return this.closedFlag;
  }

  /** A Contact URI pointing at this client's socket: `sips:` over TLS (RFC 5630), a `.invalid` host over WebSocket. */
  contactUri(user: string, params = ''): string {
    if (this.transport === 'tls') return `sips:${user}@${this.localAddress}:${this.localPort}${params}`;
    if (this.ws) return `${this.transport === 'wss' ? 'sips' : 'sip'}:${user}@${this.invalidHost};transport=ws${params}`;
    return `sip:${user}@${this.localAddress}:${this.localPort};transport=${this.transport}${params}`;
  }

  sendRaw(data: string | Buffer): void {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
    if (this.udp) this.udp.send(bytes, this.server.port, this.server.host);
    else if (this.ws) this.ws.send(bytes.toString('latin1'));
    else this.tcp!.write(bytes);
  }

  /** A request with our Via (fresh branch, rport), Max-Forwards and Content-Length added. */
  buildRequest(method: string, uri: string, headers: Array<[string, string]>, body = ''): string {
    const sentBy = this.ws ? this.invalidHost : `${this.localAddress}:${this.localPort}`;
    const via = `SIP/2.0/${this.transport.toUpperCase()} ${sentBy};branch=z9hG4bK-${randomToken()};rport`;
    const lines = [`${method} ${uri} SIP/2.0`, `Via: ${via}`, 'Max-Forwards: 70'];
    for (const [name, value] of headers) lines.push(`${name}: ${value}`);
    lines.push(`Content-Length: ${Buffer.byteLength(body, 'latin1')}`);
    return `${lines.join('\r\n')}\r\n\r\n${body}`;
  }

  /**
   * A response to a request received from the server (RFC 3261 §8.2.6): its
   * Via, From, To (with `toTag` added), Call-ID, CSeq and, for a dialog, its
   * Record-Route, then `headers`.
   */
  buildResponse(request: RawMessage, status: number, reason: string, opts: { toTag?: string; headers?: Array<[string, string]>; body?: string } = {}): string {
    const to = request.header('to') ?? '';
    const lines = [`SIP/2.0 ${status} ${reason}`];
    for (const via of request.all('via')) lines.push(`Via: ${via}`);
    lines.push(`From: ${request.header('from') ?? ''}`, `To: ${opts.toTag && !/;\s*tag=/i.test(to) ? `${to};tag=${opts.toTag}` : to}`);
    lines.push(`Call-ID: ${request.callId}`, `CSeq: ${request.cseq}`);
    if (status >= 200 && status < 300) for (const rr of request.all('record-route')) lines.push(`Record-Route: ${rr}`);
    for (const [name, value] of opts.headers ?? []) lines.push(`${name}: ${value}`);
    const body = opts.body ?? '';
    lines.push(`Content-Length: ${Buffer.byteLength(body, 'latin1')}`);
    return `${lines.join('\r\n')}\r\n\r\n${body}`;
  }

  buildRegister(spec: RegisterSpec): string {
    const headers: Array<[string, string]> = [
      ['From', `<sip:${spec.user}@${spec.domain}>;tag=${spec.fromTag ?? 'raw-tag'}`],
      ['To', `<sip:${spec.toUser ?? spec.user}@${spec.domain}>`],
      ['Call-ID', spec.callId],
      ['CSeq', `${spec.cseq} REGISTER`],
    ];
    if (spec.contacts === '*') headers.push(['Contact', '*']);
    else for (const contact of spec.contacts ?? []) headers.push(['Contact', contact]);
    if (spec.expires !== undefined) headers.push(['Expires', String(spec.expires)]);
    if (spec.authorization) headers.push(['Authorization', spec.authorization]);
    headers.push(...(spec.headers ?? []), ['User-Agent', 'raw-sip-client']);
    return this.buildRequest('REGISTER', `sip:${spec.domain}`, headers);
  }

  /** Send a request and wait for its final response (matched on Call-ID and CSeq). */
  async request(text: string, timeoutMs = 3000): Promise<RawMessage> {
    const sent = RawMessage.parse(text);
    const since = this.received.length;
    this.sendRaw(text);
    return this.waitFor((m) => m.isResponse && m.status >= 200 && m.callId === sent.callId && m.cseq === sent.cseq, { since, timeoutMs });
  }

  register(spec: RegisterSpec, timeoutMs?: number): Promise<RawMessage> {
    return this.request(this.buildRegister(spec), timeoutMs);
  }

  /** The first message (at or after `since`) matching `match`. */
  waitFor(match: (m: RawMessage) => boolean, opts: { since?: number; timeoutMs?: number } = {}): Promise<RawMessage> {
    const { since = 0, timeoutMs = 3000 } = opts;
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const found = this.received.slice(since).find(match);
        if (found) {
          done();
          resolve(found);
          return true;
        }
        if (this.closedFlag) {
          done();
          reject(new Error('connection closed while waiting for a message'));
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no matching SIP message within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter = () => void check();
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
      };
      if (!check()) this.waiters.add(waiter);
    });
  }

  close(): void {
    if (this.closedFlag) return;
    if (this.udp) this.udp.close();
    else if (this.ws) this.ws.terminate();
    else this.tcp!.destroy();
  }

  private onMessage(text: string): void {
    this.received.push(RawMessage.parse(text));
    this.wake();
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

export interface UaOptions {
  user: string;
  password: string;
  domain: string;
  /** Which of the server's challenges to answer. */
  algorithm?: DigestAlgorithm;
  /** Where to collect the digest `response=` values sent (default: a fresh array). */
  sentResponses?: string[];
}

/**
 * A registering UA that answers challenges itself, keeping one Call-ID with
 * an increasing CSeq, and reusing its nonce with an increasing nonce-count
 * like a real phone does.
 */
export class DigestUa {
  readonly callId = `${randomToken()}@raw-ua`;
  cseq = 0;
  nonce: string | undefined;
  nc = 0;
  /** Every digest `response=` value sent: none may ever show up in a log. */
  readonly sentResponses: string[];
  readonly algorithm: DigestAlgorithm;

  constructor(
    readonly client: RawSipClient,
    readonly options: UaOptions,
  ) {
    this.algorithm = options.algorithm ?? 'MD5';
    this.sentResponses = options.sentResponses ?? [];
  }

  contact(params = ''): string {
    return `<${this.client.contactUri(this.options.user)}>${params}`;
  }

  /** Authorization for the next request with the current nonce (nc + 1), or a chosen nc. */
  authorization(nc = this.nc + 1): string {
    if (!this.nonce) throw new Error('no nonce yet');
    this.nc = Math.max(this.nc, nc);
    const { header, response } = buildDigestCredentials({
      username: this.options.user,
      password: this.options.password,
      realm: this.options.domain,
      nonce: this.nonce,
      algorithm: this.algorithm,
      method: 'REGISTER',
      uri: `sip:${this.options.domain}`,
      nc,
      cnonce: randomToken(),
    });
    this.sentResponses.push(response);
    return header;
  }

  /** Take the nonce of the challenge for our algorithm; false when there is none. */
  takeChallenge(response: RawMessage): boolean {
    const challenge = response.challenges.find((c) => (c.params.algorithm ?? 'MD5').toUpperCase() === this.algorithm);
    if (!challenge?.params.nonce) return false;
    this.nonce = challenge.params.nonce;
    this.nc = 0;
    return true;
  }

  /** One REGISTER as it stands (with credentials when a nonce is known). */
  send(spec: Omit<RegisterSpec, 'user' | 'domain' | 'callId' | 'cseq'> = {}): Promise<RawMessage> {
    return this.client.register({
      user: this.options.user,
      domain: this.options.domain,
      callId: this.callId,
      cseq: ++this.cseq,
      ...(this.nonce ? { authorization: this.authorization() } : {}),
      ...spec,
    });
  }

  /** REGISTER, answering up to two challenges (the first one, then a stale or replay one). */
  async register(spec: Omit<RegisterSpec, 'user' | 'domain' | 'callId' | 'cseq' | 'authorization'> = {}): Promise<RawMessage> {
    let response = await this.send(spec);
    for (let round = 0; round < 2 && response.status === 401; round++) {
      if (!this.takeChallenge(response)) return response;
      response = await this.send(spec);
    }
    return response;
  }
}
