import type { LogSummariser } from '../../log-summary.js';
import { serializeMessage, type SipRequest, type SipResponse } from '../messages/index.js';
import { TcpTransport } from '../transport/tcp-transport.js';
import type { Destination, MessageHandler, Source, Transport, TransportName, WireTap } from '../transport/transport.js';
import { UdpTransport } from '../transport/udp-transport.js';
import { responseDestination } from '../transport/via-routing.js';
import { WsTransport } from '../transport/ws-transport.js';

export interface ListenSpec {
  transport: 'udp' | 'tcp' | 'ws';
  address: string;
  port: number;
}

/** Makes the transport for one listen entry; tests pass one that records what is sent. */
export type TransportFactory = (spec: ListenSpec, onMessage: MessageHandler, summary: LogSummariser) => Transport;

/** The real sockets: UDP, TCP with stream framing, WebSocket (RFC 7118). */
export const socketTransport: TransportFactory = (spec, onMessage, summary) => {
  switch (spec.transport) {
    case 'udp':
      return new UdpTransport(spec.address, spec.port, onMessage);
    case 'tcp':
      return new TcpTransport(spec.address, spec.port, onMessage, (why, address, port) =>
        summary.warn({ event: 'sip.malformed', transport: 'TCP', address, port, why }, 'stream framing error; connection closed', ['transport', 'why']),
      );
    case 'ws':
      return new WsTransport(spec.address, spec.port, onMessage, (why, address, port) =>
        summary.warn({ event: 'sip.malformed', transport: 'WS', address, port, why }, 'WebSocket error; connection refused or closed', ['transport', 'why']),
      );
  }
};

/**
 * The transport side of the server (RFC 3261 §18): owns the listening
 * transports, hands every received message up, and sends requests to a
 * destination and responses back along the top Via.
 */
export class SipTransports {
  private readonly transports: Transport[];

  constructor(
    listen: ListenSpec[],
    onMessage: MessageHandler,
    summary: LogSummariser,
    factory: TransportFactory = socketTransport,
    private readonly tap?: WireTap,
  ) {
    const handler: MessageHandler = tap
      ? (data, source) => {
          this.tapped('in', source.transport, { address: source.localAddress, port: source.localPort }, source, data);
          onMessage(data, source);
        }
      : onMessage;
    this.transports = listen.map((spec) => factory(spec, handler, summary));
  }

  async listen(): Promise<void> {
    for (const transport of this.transports) await transport.listen();
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

  /** Where an open TCP/WS connection's peer is; undefined when it is gone (or the transport has none). */
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
    const data = serializeMessage(response);
    this.send(transport, destination, data);
    return () => this.send(transport, destination, data);
  }

  private send(transport: Transport, destination: Destination, data: Buffer): void {
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
