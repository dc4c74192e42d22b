import dgram from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { WireMessage, WireTap } from '../core/transport/transport.js';
import type { Log } from '../log.js';
import { encodeHep3 } from './hep.js';

export interface HepSettings {
  address: string;
  port: number;
  captureId: number;
  password?: string | undefined;
}

/** How often failures to capture are summarised in the log, at most. */
const FAILURE_LOG_INTERVAL_MS = 60_000;

/**
 * Sends a HEPv3 copy of every SIP message to a Homer capture server over UDP.
 * Fire and forget: `tap` encodes and hands the datagram to the OS and
 * returns; a capture server that is away costs nothing but a counted, rarely
 * logged failure. Calls never wait for it.
 */
export class HepSender {
  private readonly socket: dgram.Socket;
  private failures = 0;
  private lastFailureLog = 0;
  /** Packets handed to the OS, and packets not sent (encoding or socket errors). */
  readonly counts = { sent: 0, failed: 0 };

  constructor(
    private readonly settings: HepSettings,
    private readonly log: Log,
    private readonly now: () => number = () => performance.timeOrigin + performance.now(),
  ) {
    this.socket = dgram.createSocket(isIPv6(settings.address) ? 'udp6' : 'udp4');
    this.socket.on('error', () => this.failed('socket error'));
    this.socket.unref();
  }

  /** The wire tap to give the SIP server. */
  readonly tap: WireTap = (message: WireMessage) => {
    let packet: Buffer;
    try {
      packet = encodeHep3({
        ipProtocol: message.transport === 'UDP' ? 'udp' : 'tcp', // WebSocket runs over TCP
        source: message.direction === 'in' ? message.remote : message.local,
        destination: message.direction === 'in' ? message.local : message.remote,
        timeMicros: BigInt(Math.round(this.now() * 1000)),
        captureId: this.settings.captureId,
        ...(this.settings.password !== undefined ? { password: this.settings.password } : {}),
        payload: message.data,
      });
    } catch {
      this.failed('message could not be encoded');
      return;
    }
    this.socket.send(packet, this.settings.port, this.settings.address, (err) => {
      if (err) this.failed(err.message);
      else this.counts.sent++;
    });
  };

  close(): void {
    try {
      this.socket.close();
    } catch {
      // already closed
    }
  }

  private failed(why: string): void {
    this.counts.failed++;
    this.failures++;
    const now = Date.now();
    if (now - this.lastFailureLog < FAILURE_LOG_INTERVAL_MS) return;
    this.lastFailureLog = now;
    this.log.warn({ event: 'hep.failed', address: this.settings.address, port: this.settings.port, count: this.failures, why }, 'SIP capture packets not sent');
    this.failures = 0;
  }
}
