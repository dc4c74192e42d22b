import dgram from 'node:dgram';
import net from 'node:net';

/**
 * How long a datagram waits before the node reads it: in its socket's
 * receive queue, then for the event loop to come round. Node shows neither
 * (no receive timestamps), and the event loop's utilisation cannot tell them
 * apart either: on a machine the node shares, it reads 1.0 both while the
 * node keeps up and while its queue grows without end. So the node measures
 * the wait itself. Every `intervalMs` it sends each of its UDP listeners a
 * small datagram stamped with the monotonic clock (the same in every process
 * of the machine), and when a worker reads one, the wait is now minus the
 * stamp: what an INVITE sent at that moment waited too.
 *
 * The datagram is no SIP message: it starts with a NUL byte and carries the
 * node's token (one that only this node's processes know), so nothing sent
 * from outside is taken for one. It also carries a Call-ID header with a
 * value that changes each time, and leaves from a new socket each time, so
 * that the kernel's choice of worker socket (by Call-ID when steering by
 * dialog, by source port otherwise) spreads the probes over every worker.
 */
export interface QueueProbeOptions {
  /** 16 bytes every process of this node shares (and nobody else knows). */
  token: Buffer;
  /** A probe came out of a queue after waiting this long (ms). */
  onDelay: (delayMs: number) => void;
  /** How often each listener is probed (ms). */
  intervalMs?: number;
  /** Monotonic time, ns (tests pass their own). */
  now?: () => bigint;
}

/** Where probes go: the UDP listeners of this process. */
export interface ProbeTarget {
  address: string;
  port: number;
}

/** The first bytes of a probe: never the start of a SIP message or a keep-alive. */
const MAGIC = Buffer.from([0x00, 0x51, 0x50, 0x31]); // NUL "QP1"
const TOKEN_BYTES = 16;
const STAMP_AT = MAGIC.length + TOKEN_BYTES;
const HEADER_BYTES = STAMP_AT + 8;

export const PROBE_INTERVAL_MS = 100;
/** A wait longer than this is not believed: a copy of an old probe, replayed. A real one behind a backlog that long is followed by others. */
export const MAX_BELIEVED_WAIT_MS = 30_000;

export class QueueProbe {
  private timer: NodeJS.Timeout | undefined;
  private sent = 0;
  private readonly now: () => bigint;

  constructor(private readonly options: QueueProbeOptions) {
    if (options.token.length !== TOKEN_BYTES) throw new Error(`a queue probe token has ${TOKEN_BYTES} bytes`);
    this.now = options.now ?? (() => process.hrtime.bigint());
  }

  /** The datagram to send now. */
  encode(): Buffer {
    const tail = Buffer.from(`\r\nCall-ID: queue-probe-${process.pid}-${++this.sent}\r\n`, 'latin1');
    const datagram = Buffer.allocUnsafe(HEADER_BYTES + tail.length);
    MAGIC.copy(datagram, 0);
    this.options.token.copy(datagram, MAGIC.length);
    datagram.writeBigUInt64BE(this.now(), STAMP_AT);
    tail.copy(datagram, HEADER_BYTES);
    return datagram;
  }

  /** When `data` is one of this node's probes: reports its wait and returns true; false for anything else. */
  received(data: Buffer): boolean {
    if (data.length < HEADER_BYTES || data[0] !== 0x00 || MAGIC.compare(data, 0, MAGIC.length) !== 0) return false;
    if (this.options.token.compare(data, MAGIC.length, STAMP_AT) !== 0) return false;
    const waitedMs = Number(this.now() - data.readBigUInt64BE(STAMP_AT)) / 1e6;
    // A stamp from the future (a clock we do not share) says nothing.
    if (waitedMs >= 0 && waitedMs <= MAX_BELIEVED_WAIT_MS) this.options.onDelay(waitedMs);
    return true;
  }

  /** Probes each of `targets()` (read each time: a worker's listeners) every interval, until stopped. */
  start(targets: () => readonly ProbeTarget[]): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      for (const target of targets()) this.send(target);
    }, this.options.intervalMs ?? PROBE_INTERVAL_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private send(target: ProbeTarget): void {
    const address = reachableAddress(target.address);
    const socket = dgram.createSocket(net.isIPv6(address) ? 'udp6' : 'udp4');
    const close = (): void => {
      try {
        socket.close();
      } catch {
        // already closed
      }
    };
    // A probe that cannot be sent (no file descriptor left, say) is skipped: no wait is measured, nothing else changes.
    socket.on('error', close);
    try {
      // Closed once sent: the next probe leaves from another port.
      socket.send(this.encode(), target.port, address, close);
    } catch {
      close();
    }
  }
}

/** A wildcard listener is reached on loopback. */
export function reachableAddress(listening: string): string {
  if (listening === '0.0.0.0') return '127.0.0.1';
  if (listening === '::') return '::1';
  return listening;
}
