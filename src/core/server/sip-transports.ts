import type { LogSummariser } from '../../log-summary.js';
import { serializeMessage, type SipRequest, type SipResponse } from '../messages/index.js';
import { TcpTransport, type TlsCredentials } from '../transport/tcp-transport.js';
import type { Destination, MessageHandler, Source, Transport, TransportName, WireTap } from '../transport/transport.js';
import type { QueueProbe } from '../transport/queue-probe.js';
import { UdpTransport } from '../transport/udp-transport.js';
import { responseDestination } from '../transport/via-routing.js';
import { WsTransport } from '../transport/ws-transport.js';

export interface ListenSpec {
  transport: 'udp' | 'tcp' | 'tls' | 'ws' | 'wss';
  address: string;
  port: number;
  /** tls and wss: the certificate and key to present (sip.tls in the config). */
  credentials?: TlsCredentials;
  /** tls: check the certificate of a peer we connect to (default true). */
  verifyPeer?: boolean;
  /** tls: more CA certificates (PEM) to trust for those, besides the system's. */
  trustedCa?: Buffer | string;
}

/** Makes the transport for one listen entry; tests pass one that records what is sent. */
/** `worker`: this process is worker N of several sharing the ports (undefined: it runs alone). */
export type TransportFactory = (spec: ListenSpec, onMessage: MessageHandler, summary: LogSummariser, worker: number | undefined) => Transport;

/** The real sockets: UDP (SO_REUSEPORT when workers share the port), TCP and TLS with stream framing, WebSocket over HTTP or HTTPS (RFC 7118). */
export const socketTransport: TransportFactory = (spec, onMessage, summary, worker) => {
  const credentials = (): TlsCredentials => {
    if (!spec.credentials) throw new Error(`a ${spec.transport} listener needs a certificate and key (sip.tls)`);
    return spec.credentials;
  };
  // Refused handshakes and broken streams, counted per transport and reason (a flood of them is one summary line).
  const onError =
    (transport: TransportName, what: string) =>
    (why: string, address: string, port: number): void =>
      summary.warn({ event: 'sip.malformed', transport, address, port, why }, what, ['transport', 'why']);
  switch (spec.transport) {
    case 'udp':
      return new UdpTransport(spec.address, spec.port, onMessage, worker !== undefined);
    case 'tcp':
      return new TcpTransport(spec.address, spec.port, onMessage, { onError: onError('TCP', 'stream framing error; connection closed'), worker });
    case 'tls':
      return new TcpTransport(spec.address, spec.port, onMessage, {
        tls: credentials(),
        verifyPeer: spec.verifyPeer ?? true,
        ...(spec.trustedCa ? { trustedCa: spec.trustedCa } : {}),
        onError: onError('TLS', 'TLS handshake or stream framing error; connection closed'),
        worker,
      });
    case 'ws':
      return new WsTransport(spec.address, spec.port, onMessage, onError('WS', 'WebSocket error; connection refused or closed'), undefined, worker);
    case 'wss':
      return new WsTransport(spec.address, spec.port, onMessage, onError('WSS', 'WebSocket error; connection refused or closed'), credentials(), worker);
  }
};

/**
 * The transport side of the server (RFC 3261 §18): owns the listening
 * transports, hands every received message up, and sends requests to a
 * destination and responses back along the top Via.
 */
export class SipTransports {
  private readonly transports: Transport[];
  /** Takes this node's queue probes out of the UDP traffic (src/core/transport/queue-probe.ts). */
  probe: Pick<QueueProbe, 'received'> | undefined;

  constructor(
    listen: ListenSpec[],
    onMessage: MessageHandler,
    summary: LogSummariser,
    factory: TransportFactory = socketTransport,
    private readonly tap?: WireTap,
    /** This process is worker N of several on the same ports (UDP with SO_REUSEPORT; TCP and WS through the cluster module). */
    worker?: number,
  ) {
    const handler: MessageHandler = (data, source) => {
      // The node's own queue probes are measured here, and go no further (not even to SIP capture).
      if (source.transport === 'UDP' && data[0] === 0x00 && this.probe?.received(data)) return;
      if (tap) this.tapped('in', source.transport, { address: source.localAddress, port: source.localPort }, source, data);
      onMessage(data, source);
    };
    this.transports = listen.map((spec) => factory(spec, handler, summary, worker));
  }

  async listen(): Promise<void> {
    for (const transport of this.transports) await transport.listen();
  }

  /** Steers each UDP transport's datagrams among `workers` (Transport.steer): what each said, null when done. */
  async steer(workers: number): Promise<Array<{ transport: TransportName; address: string; port: number; why: string | null }>> {
    const results = [];
    for (const t of this.transports) {
      if (t.steer) results.push({ transport: t.name, address: t.localAddress, port: t.localPort, why: await t.steer(workers) });
    }
    return results;
  }

  async close(): Promise<void> {
    await Promise.all(this.transports.map((t) => t.close()));
  }

  /** Actual bound addresses (port 0 in the config becomes a real port). */
  get addresses(): Array<{ transport: string; address: string; port: number }> {
    return this.transports.map((t) => ({ transport: t.name, address: t.localAddress, port: t.localPort }));
  }

  localAddress(transport: TransportName): { host: string; port: number } | undefined {
    const t = this.transports.find((x) => x.name === transport);
    return t ? { host: t.localAddress, port: t.localPort } : undefined;
  }

  /** Where an open TCP/TLS/WS/WSS connection's peer is; undefined when it is gone (or the transport has none). */
  connectionPeer(transport: TransportName, connectionId: string): { address: string; port: number } | undefined {
    return this.transports.find((t) => t.name === transport)?.peer?.(connectionId);
  }

  sendRequest(request: SipRequest, destination: Destination): void {
    const transport = this.transports.find((t) => t.name === destination.transport);
    if (transport) this.send(transport, destination, serializeMessage(request));
  }

  /**
   * Sends a response towards the top Via (RFC 3261 §18.2.2); `source` is where its request came from.
   * Returns how to send the same bytes again (for the transaction's retransmissions); undefined when not sent.
   */
  sendResponse(response: SipResponse, source: Source): (() => void) | undefined {
    const via = response.topVia();
    const transport = this.transportFor(source);
    if (!via || !transport) return undefined;
    const destination = responseDestination(via, source);
    // Its own memory: the transaction may keep these bytes for 64*T1 (see serializeMessage).
    const data = serializeMessage(response, true);
    this.send(transport, destination, data);
    return () => this.send(transport, destination, data);
  }

  /**
   * Sends on a connection another worker of this node holds: set by the
   * server when there are workers; true when that worker takes the bytes.
   */
  sendElsewhere: ((destination: Destination, data: Buffer) => boolean) | undefined;

  /** Bytes another worker asks this one to send on a connection it holds (or, that gone, a new one to the same address). */
  sendBytes(destination: Destination, data: Buffer): boolean {
    const transport = this.transports.find((t) => t.name === destination.transport);
    if (!transport || (destination.connectionId && transport.peer?.(destination.connectionId) === undefined && !destination.address)) return false;
    this.send(transport, destination, data, false);
    return true;
  }

  private send(transport: Transport, destination: Destination, data: Buffer, mayPass = true): void {
    const id = destination.connectionId;
    if (mayPass && id && this.sendElsewhere && transport.peer?.(id) === undefined && this.sendElsewhere(destination, data)) return;
    if (transport.send(destination, data) && this.tap) {
      this.tapped('out', transport.name, { address: transport.localAddress, port: transport.localPort }, destination, data);
    }
  }

  /** The tap sees the message; whatever it does wrong stays out of the SIP path. */
  private tapped(direction: 'in' | 'out', name: TransportName, local: { address: string; port: number }, remote: Destination, data: Buffer): void {
    try {
      this.tap?.({ direction, transport: name, local, remote: { address: remote.address, port: remote.port }, data });
    } catch {
      // a capture is best effort
    }
  }

  private transportFor(source: Source): Transport | undefined {
    return (
      this.transports.find((t) => t.name === source.transport && t.localPort === source.localPort) ?? this.transports.find((t) => t.name === source.transport)
    );
  }
}
