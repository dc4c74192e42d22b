import type { Log } from '../../log.js';
import { LogSummariser } from '../../log-summary.js';
import type { Metrics } from '../../metrics/metrics.js';
import { parseMessage, SipParseError, createResponse, UNSUPPORTED_VERSION, type SipRequest, type SipResponse } from '../messages/index.js';
import type { ClientTransaction, ClientTransactionUser } from '../transactions/client-transaction.js';
import type { Clock } from '../transactions/clock.js';
import { TransactionLayer, type RequestScreen } from '../transactions/transaction-layer.js';
import type { Destination, Source, TransportName, WireTap } from '../transport/transport.js';
import { Dispatcher, type RequestHandler } from './dispatcher.js';
import { IncomingRequest, type HeaderList } from './incoming-request.js';
import type { ProxyDelegate } from './proxy-delegate.js';
import { SipTransports, type ListenSpec, type TransportFactory } from './sip-transports.js';
import { nextInRing, responseOwner, type WorkerPeers } from './worker-dispatch.js';
import { workerOfConnection } from '../transport/connection-table.js';
import type { QueueProbe } from '../transport/queue-probe.js';

export type { RequestHandler } from './dispatcher.js';
export type { ListenSpec } from './sip-transports.js';

export interface SipServerOptions {
  listen: ListenSpec[];
  log: Log;
  /** Where repeatable refusals (malformed input) are logged; default: one of its own on `log`. */
  summary?: LogSummariser;
  /** Value of the Server header on every response. */
  serverName?: string;
  /** Time for the transaction timers; tests pass a fake one. */
  clock?: Clock;
  /** Makes each listening transport; default: real sockets. Tests pass a fake one. */
  transportFactory?: TransportFactory;
  /** Counts parse errors, transactions and retransmissions. */
  metrics?: Metrics;
  /** Sees every message sent and received, as bytes (SIP capture); never on the critical path. */
  wireTap?: WireTap;
  /**
   * This process is worker N of several on the same ports: UDP sockets bind
   * with SO_REUSEPORT, connection ids name the worker. Its peers are given
   * with setWorkerPeers.
   */
  worker?: number;
  /**
   * How many workers share the ports: with more than one, UDP datagrams are
   * steered to them by dialog (config udpSteering: dialog) rather than by source.
   */
  steerAmong?: number;
  /** Takes the node's queue probes out of the UDP traffic and measures their wait. */
  queueProbe?: Pick<QueueProbe, 'received'>;
}

/** A message another worker passed here: `origin` is the worker it first arrived at. */
export interface PassedFrom {
  origin: number;
}

/**
 * The SIP core in three layers, glued here: transports (sockets, framing;
 * SipTransports) -> transactions (matching, absorbing retransmissions;
 * TransactionLayer) -> dispatcher (core answers, per-method handlers;
 * Dispatcher). What no layer owns goes to the proxy's delegate, if one is set.
 */
export class SipServer {
  private readonly transports: SipTransports;
  private readonly transactions: TransactionLayer;
  private readonly dispatcher: Dispatcher;
  private readonly log: Log;
  private readonly summary: LogSummariser;
  private readonly ownSummary: boolean;
  private readonly commonHeaders: HeaderList;
  private delegate: ProxyDelegate | undefined;
  private readonly metrics: Metrics | undefined;
  private peers: WorkerPeers | undefined;
  private readonly workerNumber: number | undefined;
  private readonly steerAmong: number;
  /**
   * Looks at each new request before it gets a transaction (e.g. a banned
   * source): 'drop' ignores it without a word, 'forbid' answers 403 statelessly.
   */
  screen: RequestScreen | undefined;

  constructor(options: SipServerOptions) {
    this.log = options.log;
    this.metrics = options.metrics;
    this.ownSummary = !options.summary;
    this.summary = options.summary ?? new LogSummariser(options.log);
    this.commonHeaders = [['Server', options.serverName ?? 'softswitch']];
    this.transports = new SipTransports(
      options.listen,
      (data, source) => this.receive(data, source),
      this.summary,
      options.transportFactory,
      options.wireTap,
      options.worker,
    );
    this.transports.probe = options.queueProbe;
    this.workerNumber = options.worker;
    this.steerAmong = options.steerAmong ?? 1;
    this.transactions = new TransactionLayer(
      (response, source) => this.sendResponse(response, source),
      (request, destination) => this.sendRequest(request, destination),
      options.clock,
      options.metrics,
    );
    this.dispatcher = new Dispatcher(this.log, (invite) => this.delegate?.onCancel(invite) ?? false);
  }

  /** The proxy that takes CANCELs of its INVITEs, 2xx ACKs and stray responses. Set once. */
  setProxyDelegate(delegate: ProxyDelegate): void {
    if (this.delegate) throw new Error('a proxy delegate is already set');
    this.delegate = delegate;
  }

  /** The other workers on this port, to pass them what is theirs (worker-dispatch.ts). Set once. */
  setWorkerPeers(peers: WorkerPeers): void {
    if (this.peers) throw new Error('worker peers are already set');
    if (this.workerNumber !== undefined && peers.self !== this.workerNumber) throw new Error('worker peers of another worker');
    this.peers = peers;
    this.transports.sendElsewhere = (destination, data) => {
      const owner = workerOfConnection(destination.connectionId ?? '');
      if (owner === undefined || owner === peers.self || !peers.sendOn(owner, destination, data)) return false;
      this.log.debug(
        { event: 'worker.passed', kind: 'send', transport: destination.transport, to: owner },
        'message handed to the worker holding its connection',
      );
      return true;
    };
  }

  /** This worker's number, named in the branches it makes; undefined when the process runs alone. */
  get worker(): number | undefined {
    return this.peers?.self ?? this.workerNumber;
  }

  /** Whether another worker of this node holds this TCP/WS connection (its id names a live worker). */
  heldByOtherWorker(connectionId: string): boolean {
    const owner = workerOfConnection(connectionId);
    return this.peers !== undefined && owner !== undefined && owner !== this.peers.self && this.peers.workers().includes(owner);
  }

  /** Bytes another worker asks this one to send on a connection it holds (WorkerPeers.sendOn). */
  sendForWorker(destination: Destination, data: Buffer): boolean {
    return this.transports.sendBytes(destination, data);
  }

  on(method: string, handler: RequestHandler): this {
    this.dispatcher.on(method, handler);
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

  /** The Allow header value: the methods with a handler, ACK, CANCEL and, with an in-dialog handler, the dialog-only ones. */
  allow(): string {
    return this.dispatcher.allow();
  }

  /** Handler for requests within a dialog (To tag present), before method handlers. */
  inDialog(handler: RequestHandler): this {
    this.dispatcher.inDialog(handler);
    return this;
  }

  /** Sends a request as a client transaction; the branch must be the top Via's. */
  startClientTransaction(request: SipRequest, branch: string, destination: Destination, user: ClientTransactionUser): ClientTransaction {
    return this.transactions.startClientTransaction(request, branch, destination, user);
  }

  /** Sends a request with no transaction (ACK for 2xx, stateless forwarding). */
  sendRequest(request: SipRequest, destination: Destination): void {
    this.transports.sendRequest(request, destination);
  }

  /** Sends a response towards the top Via (RFC 3261 §18.2.2); `source` is where its request came from. */
  sendResponse(response: SipResponse, source: Source): (() => void) | undefined {
    return this.transports.sendResponse(response, source);
  }

  /** Where an open TCP/WS connection's peer is; undefined once it is gone. */
  connectionPeer(transport: TransportName, connectionId: string): { address: string; port: number } | undefined {
    return this.transports.connectionPeer(transport, connectionId);
  }

  /** Where this node is reachable on a transport, for our own Via and Record-Route. */
  localAddress(transport: TransportName): { host: string; port: number } | undefined {
    return this.transports.localAddress(transport);
  }

  async listen(): Promise<void> {
    await this.transports.listen();
    if (this.steerAmong > 1) await this.steer(this.steerAmong);
  }

  /**
   * Has the kernel steer UDP datagrams by dialog among the first `among`
   * sockets of the port's group (every worker's at start; one while the node
   * is quiet, src/cluster/steering-policy.ts), and logs what came of it.
   */
  async steer(among: number): Promise<void> {
    for (const { transport, address, port, why } of await this.transports.steer(among)) {
      if (why === null)
        this.log.info({ event: 'udp.steering', transport, address, port, among }, 'UDP datagrams steered to workers by Call-ID (REGISTER by To)');
      else
        this.log.warn(
          { event: 'udp.steering_unavailable', transport, address, port, why },
          'UDP datagrams go to workers by source address: the steering program could not be attached',
        );
    }
  }

  /** Actual bound addresses (port 0 in the config becomes a real port). */
  get addresses(): Array<{ transport: string; address: string; port: number }> {
    return this.transports.addresses;
  }

  get transactionCount(): number {
    return this.transactions.size;
  }

  get clientTransactionCount(): number {
    return this.transactions.clientCount;
  }

  async close(): Promise<void> {
    this.transactions.close();
    if (this.ownSummary) this.summary.close();
    await this.transports.close();
  }

  /** Entry point for every datagram or framed stream message, and for those another worker passes here. Never throws. */
  receive(data: Buffer, source: Source, passed?: PassedFrom): void {
    try {
      this.receiveMessage(data, source, passed);
    } catch (err) {
      this.log.error({ event: 'sip.internal_error', address: source.address, port: source.port, err }, 'unexpected error handling a message');
    }
  }

  private receiveMessage(data: Buffer, source: Source, passed: PassedFrom | undefined): void {
    let message;
    try {
      message = parseMessage(data);
    } catch (err) {
      if (!(err instanceof SipParseError)) throw err;
      this.metrics?.sipParseErrors.inc({ transport: source.transport.toLowerCase() });
      this.summary.warn(
        {
          event: 'sip.malformed',
          transport: source.transport,
          address: source.address,
          port: source.port,
          why: err.why,
        },
        'malformed SIP message',
        ['transport', 'why'],
      );
      // RFC 3261 §8.2.1 / §21.5.7: a request we understand but in another SIP version gets 505.
      const status = err.why === UNSUPPORTED_VERSION ? 505 : 400;
      if (err.request && err.request.method !== 'ACK') this.answerStateless(err.request, source, status, err.why);
      return;
    }
    if (!('method' in message)) {
      if (!passed && this.passResponse(message, data, source)) return;
      this.receiveResponse(message, source);
      return;
    }
    this.receiveRequest(message, source, data, passed);
  }

  /** A response to a request another worker sent goes to that worker (its branch names it). */
  private passResponse(response: SipResponse, data: Buffer, source: Source): boolean {
    if (!this.peers) return false;
    const owner = responseOwner(response.topVia()?.params.branch, this.peers.self);
    if (owner === 'here' || !this.peers.pass(owner, data, source, this.peers.self)) return false;
    this.log.debug(
      { event: 'worker.passed', kind: 'response', status: response.status, callId: response.headers.get('call-id'), to: owner },
      'response passed to the worker holding its transaction',
    );
    return true;
  }

  /** The worker to ask next about a UDP CANCEL or ACK matching nothing here; none when this is the last to ask. */
  private nextWorker(source: Source, passed: PassedFrom | undefined): number | undefined {
    if (!this.peers || source.transport !== 'UDP') return undefined;
    return nextInRing(this.peers.workers(), this.peers.self, passed?.origin ?? this.peers.self);
  }

  private receiveResponse(response: SipResponse, source: Source): void {
    if (this.transactions.receiveResponse(response)) return;
    if (this.delegate) {
      this.delegate.onStrayResponse(response, source);
      return;
    }
    this.log.debug({ event: 'sip.stray_response', address: source.address, status: response.status }, 'response with no client transaction');
  }

  private receiveRequest(request: SipRequest, source: Source, data: Buffer, passed: PassedFrom | undefined): void {
    const next = this.nextWorker(source, passed);
    const match = this.transactions.receiveRequest(request, source, this.screen, next !== undefined);
    if (!match || match.kind === 'absorbed') return;
    if (match.kind === 'elsewhere') {
      const origin = passed?.origin ?? this.peers!.self;
      if (this.peers!.pass(next!, data, source, origin)) {
        this.log.debug(
          { event: 'worker.passed', kind: 'request', method: request.method, callId: request.headers.get('call-id'), to: next },
          'request passed to the next worker',
        );
      }
      return;
    }
    if (match.kind === 'screened') {
      if (match.verdict === 'forbid') this.answerStateless(request, source, 403, 'source banned');
      return;
    }
    if (match.kind === 'ack-2xx') {
      this.delegate?.onAck(request, source);
      return;
    }
    this.dispatcher.dispatch(new IncomingRequest(request, source, match.transaction, this.commonHeaders), match.key);
  }

  /** A 400 for a request that could not become a transaction (it failed to parse). */
  private answerStateless(request: SipRequest, source: Source, status: number, why: string): void {
    const response = createResponse(request, status);
    response.headers.append('Warning', `399 softswitch "${why.replace(/["\\]/g, '')}"`);
    for (const [name, value] of this.commonHeaders) response.headers.append(name, value);
    this.sendResponse(response, source);
  }
}
