import dgram from 'node:dgram';
import type { PassedFrom } from '../core/server/sip-server.js';
import type { WorkerPeers } from '../core/server/worker-dispatch.js';
import type { Destination, Source } from '../core/transport/transport.js';
import { decodePeerMessage, encodeNotice, encodePassed, encodeSend, type PeerNotice } from './peer-message.js';

const LOOPBACK = '127.0.0.1';

export interface PeerChannelHandlers {
  /** A SIP message another worker passed here. */
  passed(data: Buffer, source: Source, from: PassedFrom): void;
  /** Bytes to send on a connection this worker holds. */
  send(destination: Destination, data: Buffer): void;
  notice(notice: PeerNotice): void;
}

/**
 * The workers' local channel: each worker has a UDP socket on loopback, and
 * the primary tells every worker the others' ports. One datagram per passed
 * message, straight from worker to worker (the primary is not on the path);
 * a datagram without the node's token is dropped unread (peer-message.ts).
 */
export class PeerChannel implements WorkerPeers {
  private ports = new Map<number, number>();

  private constructor(
    readonly self: number,
    private readonly token: Buffer,
    private readonly socket: dgram.Socket,
  ) {}

  static open(self: number, token: Buffer, handlers: PeerChannelHandlers): Promise<PeerChannel> {
    const socket = dgram.createSocket('udp4');
    const channel = new PeerChannel(self, token, socket);
    socket.on('message', (datagram, rinfo) => {
      if (rinfo.address !== LOOPBACK) return;
      const message = decodePeerMessage(token, datagram);
      if (message?.kind === 'passed') handlers.passed(message.data, message.source, { origin: message.origin });
      else if (message?.kind === 'send') handlers.send(message.destination, message.data);
      else if (message?.kind === 'notice') handlers.notice(message.notice);
    });
    return new Promise((resolve, reject) => {
      socket.once('error', reject);
      // exclusive: this worker's own socket, not one shared through the primary.
      socket.bind({ port: 0, address: LOOPBACK, exclusive: true }, () => {
        socket.off('error', reject);
        socket.on('error', () => undefined);
        try {
          socket.setRecvBufferSize(4 * 1024 * 1024);
        } catch {
          // capped by the kernel: bursts may suffer, nothing else
        }
        resolve(channel);
      });
    });
  }

  /** Where the other workers reach this one. */
  get port(): number {
    return this.socket.address().port;
  }

  /** Every live worker's channel port, this one's included (from the primary). */
  setPorts(ports: ReadonlyMap<number, number>): void {
    this.ports = new Map(ports);
  }

  workers(): readonly number[] {
    return [...this.ports.keys()];
  }

  pass(worker: number, data: Buffer, source: Source, origin: number): boolean {
    const port = this.ports.get(worker);
    const datagram = port === undefined || worker === this.self ? undefined : encodePassed(this.token, origin, source, data);
    if (!datagram || port === undefined) return false;
    this.socket.send(datagram, port, LOOPBACK, () => undefined);
    return true;
  }

  sendOn(worker: number, destination: Destination, data: Buffer): boolean {
    const port = this.ports.get(worker);
    const datagram = port === undefined || worker === this.self ? undefined : encodeSend(this.token, destination, data);
    if (!datagram || port === undefined) return false;
    this.socket.send(datagram, port, LOOPBACK, () => undefined);
    return true;
  }

  /** Tells every other worker. */
  broadcast(notice: PeerNotice): void {
    const datagram = encodeNotice(this.token, notice);
    for (const [worker, port] of this.ports) if (worker !== this.self) this.socket.send(datagram, port, LOOPBACK, () => undefined);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}
