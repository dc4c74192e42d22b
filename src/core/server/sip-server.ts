import type { Log } from '../../log.js';
import { LogSummariser } from '../../log-summary.js';
import {
  copyVia, parseMessage, serializeMessage, SipParseError,
  createResponse, UNSUPPORTED_VERSION, type SipRequest, type SipResponse,
} from '../messages/index.js';
import type { ClientTransaction, ClientTransactionUser } from '../transactions/client-transaction.js';
import type { Clock } from '../transactions/clock.js';
import { InviteServerTransaction } from '../transactions/invite-server-transaction.js';
import type { ResponseSender } from '../transactions/server-transaction.js';
import { cancelledInviteKey, serverTransactionKey } from '../transactions/transaction-key.js';
import { TransactionLayer } from '../transactions/transaction-layer.js';
import { TcpTransport } from '../transport/tcp-transport.js';
import type { Destination, Source, Transport, TransportName } from '../transport/transport.js';
import { UdpTransport } from '../transport/udp-transport.js';
import { WsTransport } from '../transport/ws-transport.js';
import { responseDestination, stampReceived } from '../transport/via-routing.js';
import { IncomingRequest, type HeaderList } from './incoming-request.js';
import { KNOWN_METHODS, SUPPORTED_EXTENSIONS, SUPPORTED_URI_SCHEMES } from './methods.js';

export type RequestHandler = (request: IncomingRequest) => void | Promise<void>;

export interface ListenSpec {
  transport: 'udp' | 'tcp' | 'ws';
  address: string;
  port: number;
}

export interface SipServerOptions {
  listen: ListenSpec[];
  log: Log;
  /** Where repeatable refusals (malformed input) are logged; default: one of its own on `log`. */
  summary?: LogSummariser;
  /** Value of the Server header on every response. */
  serverName?: string;
  /** Time for the transaction timers; tests pass a fake one. */
  clock?: Clock;
}

/**
 * The transaction user's front door, Express-style: `server.register(handler)`,
 * `server.options(handler)`. It owns the transports and the transaction layer,
 * turns bytes into requests, absorbs retransmissions, answers what no handler
 * takes (400, 405, 416, 420, 481, 501) and hands each new request to its handler.
 */
export class SipServer {
  private readonly transports: Transport[] = [];
  private readonly handlers = new Map<string, RequestHandler>();
  private readonly transactions: TransactionLayer;
  private readonly log: Log;
  private readonly summary: LogSummariser;
  private readonly ownSummary: boolean;
  private readonly commonHeaders: HeaderList;
  /**
   * Called when a pending INVITE is CANCELled. Return true when the handler
   * will send the final response itself (a proxy relays the callee's 487);
   * otherwise the server answers 487 at once.
   */
  onCancel: ((invite: IncomingRequest) => boolean) | undefined;
  /** An ACK matching no server transaction: the ACK for a 2xx, which a proxy forwards by its Route. */
  onAck: ((request: SipRequest, source: Source) => void) | undefined;
  /** A response matching no client transaction (e.g. a 2xx copy after the transaction ended). */
  onStrayResponse: ((response: SipResponse, source: Source) => void) | undefined;
  /** Requests inside a dialog (To tag present), whatever their method. */
  private inDialogHandler: RequestHandler | undefined;
  private readonly pendingInvites = new Map<string, IncomingRequest>();

  constructor(options: SipServerOptions) {
    this.log = options.log;
    this.ownSummary = !options.summary;
    this.summary = options.summary ?? new LogSummariser(options.log);
    this.commonHeaders = [['Server', options.serverName ?? 'softswitch']];
    const sender: ResponseSender = (response, source) => this.sendResponse(response, source);
    this.transactions = new TransactionLayer(sender, (request, destination) => this.sendRequest(request, destination), options.clock);
    for (const spec of options.listen) this.transports.push(this.createTransport(spec));
  }

  private createTransport(spec: ListenSpec): Transport {
    const onMessage = (data: Buffer, source: Source): void => this.receive(data, source);
    switch (spec.transport) {
      case 'udp':
        return new UdpTransport(spec.address, spec.port, onMessage);
      case 'tcp':
        return new TcpTransport(spec.address, spec.port, onMessage, (why, address, port) =>
          this.summary.warn({ event: 'sip.malformed', transport: 'TCP', address, port, why }, 'stream framing error; connection closed', ['transport', 'why']));
      case 'ws':
        return new WsTransport(spec.address, spec.port, onMessage, (why, address, port) =>
          this.summary.warn({ event: 'sip.malformed', transport: 'WS', address, port, why }, 'WebSocket error; connection refused or closed', ['transport', 'why']));
    }
  }

  on(method: string, handler: RequestHandler): this {
    this.handlers.set(method.toUpperCase(), handler);
    return this;
  }

  register(handler: RequestHandler): this {
    return this.on('REGISTER', handler);
  }

  options(handler: RequestHandler): this {
    return this.on('OPTIONS', handler);
  }

  invite(handler: RequestHandler): this {
    return this.on('INVITE', handler);
  }

  /** Handler for requests within a dialog (To tag present), before method handlers. */
  inDialog(handler: RequestHandler): this {
    this.inDialogHandler = handler;
    return this;
  }

  /** Sends a request as a client transaction; the branch must be the top Via's. */
  startClientTransaction(request: SipRequest, branch: string, destination: Destination, user: ClientTransactionUser): ClientTransaction {
    return this.transactions.startClientTransaction(request, branch, destination, user);
  }

  /** Sends a request with no transaction (ACK for 2xx, stateless forwarding). */
  sendRequest(request: SipRequest, destination: Destination): void {
    const transport = this.transports.find((t) => t.name === destination.transport);
    transport?.send(destination, serializeMessage(request));
  }

  /** Where this node is reachable on a transport, for our own Via and Record-Route. */
  localAddress(transport: TransportName): { host: string; port: number } | undefined {
    const t = this.transports.find((x) => x.name === transport);
    return t ? { host: t.localAddress, port: t.localPort } : undefined;
  }

  async listen(): Promise<void> {
    for (const transport of this.transports) await transport.listen();
  }

  /** Actual bound addresses (port 0 in the config becomes a real port). */
  get addresses(): Array<{ transport: string; address: string; port: number }> {
    return this.transports.map((t) => ({ transport: t.name, address: t.localAddress, port: t.localPort }));
  }

  get transactionCount(): number {
    return this.transactions.size;
  }

  async close(): Promise<void> {
    this.transactions.close();
    if (this.ownSummary) this.summary.close();
    await Promise.all(this.transports.map((t) => t.close()));
  }

  /** Entry point for every datagram or framed stream message. Never throws. */
  receive(data: Buffer, source: Source): void {
    try {
      this.receiveMessage(data, source);
    } catch (err) {
      this.log.error({ event: 'sip.internal_error', address: source.address, port: source.port, err }, 'unexpected error handling a message');
    }
  }

  private receiveMessage(data: Buffer, source: Source): void {
    let message;
    try {
      message = parseMessage(data);
    } catch (err) {
      if (!(err instanceof SipParseError)) throw err;
      this.summary.warn({
        event: 'sip.malformed', transport: source.transport, address: source.address, port: source.port, why: err.why,
      }, 'malformed SIP message', ['transport', 'why']);
      // RFC 3261 §8.2.1 / §21.5.7: a request we understand but in another SIP version gets 505.
      const status = err.why === UNSUPPORTED_VERSION ? 505 : 400;
      if (err.request && err.request.method !== 'ACK') this.answerStateless(err.request, source, status, err.why);
      return;
    }
    if (!('method' in message)) {
      this.receiveResponse(message, source);
      return;
    }
    this.receiveRequest(message, source);
  }

  /** RFC 3261 §17.1.3: a response goes to the client transaction of its top Via branch and CSeq method. */
  private receiveResponse(response: SipResponse, source: Source): void {
    const via = response.topVia();
    const cseq = response.cseq();
    const tx = cseq ? this.transactions.matchResponse(via?.params.branch ?? undefined, cseq.method) : undefined;
    if (tx) {
      tx.onResponse(response);
      return;
    }
    if (this.onStrayResponse) {
      this.onStrayResponse(response, source);
      return;
    }
    this.log.debug({ event: 'sip.stray_response', address: source.address, status: response.status }, 'response with no client transaction');
  }

  private receiveRequest(request: SipRequest, source: Source): void {
    const headers = request.headers;
    const parsedVia = request.topVia();
    const cseq = request.cseq();
    if (!parsedVia || !cseq) return; // the parser guarantees both; belt and braces
    // The parsed Via is shared (read-only): stamp a copy, then write it back.
    const topVia = copyVia(parsedVia);
    if (stampReceived(topVia, source)) request.replaceTopVia(topVia);
    const key = serverTransactionKey(request, topVia, headers.get('call-id') ?? '', cseq.seq);
    const existing = this.transactions.find(key);
    if (existing) {
      if (request.method === 'ACK') {
        if (existing instanceof InviteServerTransaction) existing.onAck();
      } else {
        existing.onRetransmission(request);
      }
      return;
    }
    const dialogKey = `${headers.get('call-id') ?? ''}|${fromTag(request)}|${cseq.seq}`;
    if (request.method === 'ACK') {
      const invite = this.transactions.findInviteForAck(dialogKey);
      if (invite && invite.state === 'completed') {
        invite.onAck();
        return;
      }
      // The ACK for a 2xx is its own request with no transaction (§17.1.1.3).
      this.onAck?.(request, source);
      return;
    }

    const transaction = this.transactions.createServerTransaction(key, request, source, request.method === 'INVITE' ? dialogKey : undefined);
    const incoming = new IncomingRequest(request, source, transaction, this.commonHeaders);
    if (request.method === 'CANCEL') return this.receiveCancel(incoming, key);
    if (!this.passesCoreChecks(incoming)) return;

    const inDialog = this.inDialogHandler && request.method !== 'REGISTER' && hasToTag(request);
    const handler = inDialog ? this.inDialogHandler : this.handlers.get(request.method);
    if (!handler) {
      if (KNOWN_METHODS.has(request.method)) {
        incoming.respond(405, undefined, [['Allow', this.allowHeader()]]);
      } else {
        incoming.respond(501);
      }
      return;
    }
    if (request.method === 'INVITE') {
      this.pendingInvites.set(key, incoming);
      if (incoming.transaction.state === 'proceeding') incoming.respond(100);
    }
    this.runHandler(handler, incoming, key);
  }

  private runHandler(handler: RequestHandler, incoming: IncomingRequest, key: string): void {
    const fail = (err: unknown): void => {
      this.log.error({ event: 'sip.handler_error', method: incoming.method, callId: incoming.callId, err }, 'request handler failed');
      if (!incoming.answered) incoming.respond(500);
    };
    const done = (): void => {
      if (incoming.method === 'INVITE') this.pendingInvites.delete(key);
    };
    try {
      const result = handler(incoming);
      if (result) result.then(done, (err) => { done(); fail(err); });
      else done();
    } catch (err) {
      done();
      fail(err);
    }
  }

  /** RFC 3261 §9.2: 200 to the CANCEL, 487 to the INVITE it cancels, 481 when there is none. */
  private receiveCancel(cancel: IncomingRequest, key: string): void {
    const invite = this.pendingInvites.get(cancelledInviteKey(key));
    if (!invite || invite.answered) {
      cancel.respond(481);
      return;
    }
    cancel.respond(200);
    const handledByUser = this.onCancel?.(invite) ?? false;
    if (!handledByUser && !invite.answered) invite.respond(487);
  }

  /** RFC 3261 §8.2.2: URI scheme and required extensions. */
  private passesCoreChecks(incoming: IncomingRequest): boolean {
    const uri = incoming.message.requestUri();
    if (!uri || !SUPPORTED_URI_SCHEMES.has(uri.scheme)) {
      incoming.respond(416);
      return false;
    }
    const required = incoming.message.headers.getList('require');
    const unsupported = required.filter((tag) => !SUPPORTED_EXTENSIONS.has(tag.toLowerCase()));
    if (unsupported.length > 0) {
      incoming.respond(420, undefined, [['Unsupported', unsupported.join(', ')]]);
      return false;
    }
    return true;
  }

  private allowHeader(): string {
    return ['ACK', 'CANCEL', ...this.handlers.keys()].join(', ');
  }

  /** A 400 for a request that could not become a transaction (it failed to parse). */
  private answerStateless(request: SipRequest, source: Source, status: number, why: string): void {
    const response = createResponse(request, status);
    response.headers.append('Warning', `399 softswitch "${why.replace(/["\\]/g, '')}"`);
    for (const [name, value] of this.commonHeaders) response.headers.append(name, value);
    this.sendResponse(response, source);
  }

  /** Sends a response towards the top Via (RFC 3261 §18.2.2); `source` is where its request came from. */
  sendResponse(response: SipResponse, source: Source): void {
    const via = response.topVia();
    const transport = this.transportFor(source);
    if (!via || !transport) return;
    transport.send(responseDestination(via, source), serializeMessage(response));
  }

  private transportFor(source: Source): Transport | undefined {
    return this.transports.find((t) => t.name === source.transport && t.localPort === source.localPort)
      ?? this.transports.find((t) => t.name === source.transport);
  }
}

function hasToTag(request: SipRequest): boolean {
  const to = request.headers.get('to') ?? '';
  return /;\s*tag\s*=/i.test(to);
}

function fromTag(request: SipRequest): string {
  return /;\s*tag\s*=\s*([^;\s,]+)/i.exec(request.headers.get('from') ?? '')?.[1] ?? '';
}
