import dgram from 'node:dgram';
import net from 'node:net';
import { performance, type EventLoopUtilization } from 'node:perf_hooks';

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
 * value that changes each time, and its socket is replaced every
 * PROBES_PER_SOCKET probes, so that the kernel's choice of worker socket (by
 * Call-ID when steering by dialog, by source port otherwise) spreads the
 * probes over every worker.
 */
export interface QueueProbeOptions {
  /** 16 bytes every process of this node shares (and nobody else knows). */
  token: Buffer;
  /** A probe came out of a queue after waiting this long (ms). */
  onDelay: (delayMs: number) => void;
  /** How often each listener is probed while this process is busy (ms); CALM_FACTOR times less often while it is not. */
  intervalMs?: number;
  /** This process' event-loop utilisation (0..1) since the last call; tests pass their own. */
  load?: () => number;
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
/**
 * While the event loop was busy less than BUSY_LOAD of the last interval, the
 * next probe comes CALM_FACTOR times later. A node that is not busy cannot
 * be behind, and probes cost wake-ups: at ten a second they doubled an idle
 * two-worker node's CPU (0.8% of a core to 1.9%). The utilisation cannot
 * tell a busy node that keeps up from one that falls behind (that is what the
 * probe is for), but it does tell an idle one.
 */
export const BUSY_LOAD = 0.5;
export const CALM_FACTOR = 5;

/** The wait before the next probe, given the event loop's utilisation since the last. */
export function nextProbeIn(load: number, intervalMs = PROBE_INTERVAL_MS): number {
  return load >= BUSY_LOAD ? intervalMs : intervalMs * CALM_FACTOR;
}

/**
 * Probes sent from one socket before a new one (a new source port) takes
 * over. A socket per probe cost an idle two-worker node up to 0.8% of a core
 * more than one per ten probes; the wake-ups cost more still (BUSY_LOAD).
 */
export const PROBES_PER_SOCKET = 10;
/** A wait longer than this is not believed: a copy of an old probe, replayed. A real one behind a backlog that long is followed by others. */
export const MAX_BELIEVED_WAIT_MS = 30_000;

export class QueueProbe {
  private timer: NodeJS.Timeout | undefined;
  private sent = 0;
  private readonly senders = new Map<'udp4' | 'udp6', { socket: dgram.Socket; left: number }>();
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

  /** Probes each of `targets()` (read each time: a worker's listeners) every interval (nextProbeIn), until stopped. */
  start(targets: () => readonly ProbeTarget[]): void {
    if (this.timer) return;
    const load = this.options.load ?? loadSinceLastCall();
    const schedule = (): void => {
      this.timer = setTimeout(round, nextProbeIn(load(), this.options.intervalMs));
      this.timer.unref();
    };
    const round = (): void => {
      for (const target of targets()) this.send(target);
      schedule();
    };
    schedule();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const { socket } of this.senders.values()) closeQuietly(socket);
    this.senders.clear();
  }

  private send(target: ProbeTarget): void {
    const address = reachableAddress(target.address);
    const type = net.isIPv6(address) ? 'udp6' : 'udp4';
    let sender = this.senders.get(type);
    if (!sender || sender.left === 0) {
      if (sender) closeQuietly(sender.socket);
      const socket = dgram.createSocket(type);
      // A probe that cannot be sent (no file descriptor left, say) is skipped; the next interval tries a new socket.
      socket.on('error', () => this.drop(type, socket));
      sender = { socket, left: PROBES_PER_SOCKET };
      this.senders.set(type, sender);
    }
    sender.left--;
    try {
      sender.socket.send(this.encode(), target.port, address);
    } catch {
      this.drop(type, sender.socket);
    }
  }

  private drop(type: 'udp4' | 'udp6', socket: dgram.Socket): void {
    closeQuietly(socket);
    if (this.senders.get(type)?.socket === socket) this.senders.delete(type);
  }
}

/** A reader of this process' event-loop utilisation (0..1) since its last call (the first: since it was made). */
export function loadSinceLastCall(): () => number {
  let last: EventLoopUtilization = performance.eventLoopUtilization();
  return () => {
    const now = performance.eventLoopUtilization();
    const load = performance.eventLoopUtilization(now, last).utilization;
    last = now;
    return load;
  };
}

function closeQuietly(socket: dgram.Socket): void {
  try {
    socket.close();
  } catch {
    // already closed
  }
}

/** A wildcard listener is reached on loopback. */
export function reachableAddress(listening: string): string {
  if (listening === '0.0.0.0') return '127.0.0.1';
  if (listening === '::') return '::1';
  return listening;
}
