import { parseMessage, serializeMessage, type SipRequest, type SipResponse } from '../../src/core/messages/index.js';
import type { ListenSpec, TransportFactory } from '../../src/core/server/sip-transports.js';
import type { Destination, MessageHandler, Source, Transport, TransportName } from '../../src/core/transport/transport.js';

/** What a fake transport was asked to send, parsed back. */
export interface Sent {
  to: Destination;
  message: SipRequest | SipResponse;
}

/**
 * A transport with no socket: it records what the server sends and lets a
 * test hand it bytes "received" from an address (see `deliver`).
 */
export class FakeTransport implements Transport {
  readonly sent: Sent[] = [];
  readonly name: TransportName;
  readonly localAddress: string;
  readonly localPort: number;

  constructor(
    spec: ListenSpec,
    private readonly onMessage: MessageHandler,
  ) {
    this.name = spec.transport.toUpperCase() as TransportName;
    this.localAddress = spec.address;
    this.localPort = spec.port;
  }

  async listen(): Promise<void> {}
  async close(): Promise<void> {}

  send(destination: Destination, data: Buffer): boolean {
    this.sent.push({ to: destination, message: parseMessage(data) });
    return true;
  }

  /** A message arriving from `from` (address:port). */
  deliver(message: string | SipRequest | SipResponse, from: { address: string; port: number }): void {
    const data = typeof message === 'string' ? Buffer.from(message, 'latin1') : serializeMessage(message);
    const source: Source = { transport: this.name, address: from.address, port: from.port, localAddress: this.localAddress, localPort: this.localPort };
    this.onMessage(data, source);
  }

  /** Responses sent so far, by status. */
  responses(): SipResponse[] {
    return this.sent.map((s) => s.message).filter((m): m is SipResponse => 'status' in m);
  }

  requests(): SipRequest[] {
    return this.sent.map((s) => s.message).filter((m): m is SipRequest => 'method' in m);
  }
}

/** A TransportFactory that keeps the fake transports it made. */
export function fakeTransports(): { factory: TransportFactory; made: FakeTransport[] } {
  const made: FakeTransport[] = [];
  return {
    made,
    factory: (spec, onMessage) => {
      const t = new FakeTransport(spec, onMessage);
      made.push(t);
      return t;
    },
  };
}
