/**
 * Reading a pcap file (as tcpdump -w writes it) far enough to time SIP over
 * UDP/IPv4 on loopback, and pairing each INVITE that reached a proxy with the
 * INVITE it sent on, by Call-ID. Pure: bytes in, figures out.
 */

export interface UdpPacket {
  /** Capture time, ms since the epoch (microsecond or nanosecond resolution kept as a fraction). */
  timeMs: number;
  srcIp: string;
  srcPort: number;
  dstIp: string;
  dstPort: number;
  payload: Buffer;
}

const LINK_ETHERNET = 1; // what Linux gives for `-i lo`
const LINK_RAW = 101;
const LINK_LINUX_SLL = 113;
const LINK_LINUX_SLL2 = 276;

/** Offset of the IP header in a frame and whether the frame carries IPv4. */
function ipv4Start(link: number, frame: Buffer): number | undefined {
  switch (link) {
    case LINK_ETHERNET:
      return frame.length >= 14 && frame.readUInt16BE(12) === 0x0800 ? 14 : undefined;
    case LINK_LINUX_SLL:
      return frame.length >= 16 && frame.readUInt16BE(14) === 0x0800 ? 16 : undefined;
    case LINK_LINUX_SLL2:
      return frame.length >= 20 && frame.readUInt16BE(0) === 0x0800 ? 20 : undefined;
    case LINK_RAW:
      return 0;
    default:
      return undefined;
  }
}

function ip4(b: Buffer, at: number): string {
  return `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;
}

/** UDP datagrams over IPv4 in a pcap file; other frames (and IP fragments after the first) are skipped. */
export function readPcapUdp(file: Buffer): UdpPacket[] {
  if (file.length < 24) throw new Error('pcap: file shorter than its header');
  const magicLe = file.readUInt32LE(0);
  let le: boolean;
  let nano: boolean;
  if (magicLe === 0xa1b2c3d4 || magicLe === 0xa1b23c4d) {
    le = true;
    nano = magicLe === 0xa1b23c4d;
  } else {
    const magicBe = file.readUInt32BE(0);
    if (magicBe !== 0xa1b2c3d4 && magicBe !== 0xa1b23c4d) throw new Error('pcap: not a pcap file (pcapng is not read)');
    le = false;
    nano = magicBe === 0xa1b23c4d;
  }
  const u32 = (at: number): number => (le ? file.readUInt32LE(at) : file.readUInt32BE(at));
  const link = u32(20) & 0x0fffffff;
  const out: UdpPacket[] = [];
  let at = 24;
  while (at + 16 <= file.length) {
    const sec = u32(at);
    const frac = u32(at + 4);
    const caplen = u32(at + 8);
    const start = at + 16;
    at = start + caplen;
    if (at > file.length) break; // truncated last record (capture stopped mid-write)
    const frame = file.subarray(start, start + caplen);
    const ip = ipv4Start(link, frame);
    if (ip === undefined || frame.length < ip + 20 || frame[ip]! >> 4 !== 4) continue;
    const ihl = (frame[ip]! & 0x0f) * 4;
    if (frame[ip + 9] !== 17) continue; // not UDP
    if ((frame.readUInt16BE(ip + 6) & 0x1fff) !== 0) continue; // a later fragment
    const udp = ip + ihl;
    if (frame.length < udp + 8) continue;
    const udpLen = frame.readUInt16BE(udp + 4);
    out.push({
      timeMs: sec * 1000 + (nano ? frac / 1e6 : frac / 1e3),
      srcIp: ip4(frame, ip + 12),
      dstIp: ip4(frame, ip + 16),
      srcPort: frame.readUInt16BE(udp),
      dstPort: frame.readUInt16BE(udp + 2),
      payload: frame.subarray(udp + 8, Math.min(frame.length, udp + Math.max(8, udpLen))),
    });
  }
  return out;
}

/** The header part of a SIP message (all of it when there is no blank line). */
function headOf(payload: Buffer): string {
  const text = payload.toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  return end < 0 ? text : text.slice(0, end);
}

/** The Call-ID of a SIP message (long or compact form), or undefined. */
export function sipCallId(payload: Buffer): string | undefined {
  const head = headOf(payload);
  const m = /\r\n(?:call-id|i)[ \t]*:[ \t]*([^\r\n]+)/i.exec(head);
  return m?.[1]?.trim();
}

function isInitialInvite(payload: Buffer): boolean {
  if (payload.length < 7 || payload.toString('latin1', 0, 7) !== 'INVITE ') return false;
  const to = /\r\n(?:to|t)[ \t]*:([^\r\n]*)/i.exec(headOf(payload))?.[1] ?? '';
  return !/;\s*tag=/i.test(to);
}

export interface InviteTimings {
  /** One per call seen both ways: ms from the first INVITE in to the first INVITE out. */
  latenciesMs: number[];
  /** The same calls with both capture times (ms since the epoch), for finding pauses. */
  calls: Array<{ inMs: number; outMs: number }>;
  /** Calls whose INVITE came in but never went out during the capture. */
  notForwarded: number;
  /** INVITEs that went out with no INVITE in seen (capture started mid-call). */
  unmatched: number;
}

/**
 * Pairs the initial INVITE each call sent to the proxy (destination
 * proxyIp:proxyPort) with the one the proxy sent on (from that socket), by
 * Call-ID; retransmissions are ignored (first copy each way).
 */
export function inviteTimings(packets: UdpPacket[], proxyIp: string, proxyPort: number): InviteTimings {
  const inAt = new Map<string, number>();
  const outAt = new Map<string, number>();
  for (const p of packets) {
    const toProxy = p.dstIp === proxyIp && p.dstPort === proxyPort;
    const fromProxy = p.srcIp === proxyIp && p.srcPort === proxyPort;
    if (toProxy === fromProxy || !isInitialInvite(p.payload)) continue;
    const callId = sipCallId(p.payload);
    if (callId === undefined) continue;
    const seen = toProxy ? inAt : outAt;
    if (!seen.has(callId)) seen.set(callId, p.timeMs);
  }
  const latenciesMs: number[] = [];
  const calls: Array<{ inMs: number; outMs: number }> = [];
  let unmatched = 0;
  for (const [callId, out] of outAt) {
    const inTime = inAt.get(callId);
    if (inTime === undefined) unmatched++;
    else {
      latenciesMs.push(out - inTime);
      calls.push({ inMs: inTime, outMs: out });
    }
  }
  let notForwarded = 0;
  for (const callId of inAt.keys()) if (!outAt.has(callId)) notForwarded++;
  return { latenciesMs, calls, notForwarded, unmatched };
}

/** Nearest-rank percentile (p in 0..100) of unsorted values; undefined for none. */
export function percentile(values: number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  // p * n / 100 rather than p / 100 * n, and a hair under: 99.9% of 1000 is rank 999, not 1000 by rounding error.
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p * sorted.length) / 100 - 1e-9)));
  return sorted[rank - 1];
}
