import { isIP } from 'node:net';
import type { Redis } from 'ioredis';
import { keys } from './keys.js';

/** A provisioned line (trunk), as stored in the `line:{sipId}` hash. */
export interface LineRecord {
  sipId: string;
  voiceGroupId: string;
  siteId: string;
  channels: number;
  auth: 'digest' | 'ip';
  /** Realm the HA1 values were computed with (digest lines). */
  realm?: string;
  ha1Md5?: string;
  ha1Sha256?: string;
  /** Canonical IP literals trusted for an IP-authenticated line; empty for digest lines. */
  allowedAddresses: string[];
  basicNumber: string;
  dialInNumbers: string[];
  /** `contact`: calls go to the registered Contact as it is (a phone); absent: the called number is the Request-URI user. */
  delivery?: 'contact';
  /** IP-authenticated trunks: where calls to it go, "host[:port]" (RFC 3263); absent: its first address, port 5060. */
  deliverTo?: string;
  deliverTransport?: 'udp' | 'tcp';
}

/** Where monitoring pings an IP-authenticated line. */
export interface IpLineTargets {
  sipId: string;
  allowedAddresses: string[];
  deliverTo?: string;
  deliverTransport?: 'udp' | 'tcp';
}

/** The hash fields of a line record. Arrays are JSON so any address form survives. */
export function lineToHash(line: LineRecord): Record<string, string> {
  const h: Record<string, string> = {
    sipId: line.sipId,
    voiceGroupId: line.voiceGroupId,
    siteId: line.siteId,
    channels: String(line.channels),
    auth: line.auth,
    allowedAddresses: JSON.stringify(line.allowedAddresses),
    basicNumber: line.basicNumber,
    dialInNumbers: JSON.stringify(line.dialInNumbers),
  };
  if (line.realm !== undefined) h.realm = line.realm;
  if (line.ha1Md5 !== undefined) h.ha1Md5 = line.ha1Md5;
  if (line.ha1Sha256 !== undefined) h.ha1Sha256 = line.ha1Sha256;
  if (line.delivery !== undefined) h.delivery = line.delivery;
  if (line.deliverTo !== undefined) h.deliverTo = line.deliverTo;
  if (line.deliverTransport !== undefined) h.deliverTransport = line.deliverTransport;
  return h;
}

/** Every field a line hash may hold (fields absent from a record are deleted on update). */
export const LINE_FIELDS = [
  'sipId',
  'voiceGroupId',
  'siteId',
  'channels',
  'auth',
  'allowedAddresses',
  'basicNumber',
  'dialInNumbers',
  'realm',
  'ha1Md5',
  'ha1Sha256',
  'delivery',
  'deliverTo',
  'deliverTransport',
] as const;

/** Parse a `line:` hash (HGETALL result); null when empty or malformed. */
export function lineFromHash(h: Record<string, string>): LineRecord | null {
  if (!h.sipId || !h.siteId || (h.auth !== 'digest' && h.auth !== 'ip')) return null;
  const line: LineRecord = {
    sipId: h.sipId,
    voiceGroupId: h.voiceGroupId ?? '',
    siteId: h.siteId,
    channels: Number(h.channels ?? 0),
    auth: h.auth,
    allowedAddresses: parseList(h.allowedAddresses),
    basicNumber: h.basicNumber ?? '',
    dialInNumbers: parseList(h.dialInNumbers),
  };
  if (h.realm !== undefined) line.realm = h.realm;
  if (h.ha1Md5 !== undefined) line.ha1Md5 = h.ha1Md5;
  if (h.ha1Sha256 !== undefined) line.ha1Sha256 = h.ha1Sha256;
  if (h.delivery === 'contact') line.delivery = 'contact';
  if (h.deliverTo) line.deliverTo = h.deliverTo;
  if (h.deliverTransport === 'udp' || h.deliverTransport === 'tcp') line.deliverTransport = h.deliverTransport;
  return line;
}

function parseList(s: string | undefined): string[] {
  if (!s) return [];
  try {
    const v: unknown = JSON.parse(s);
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

/**
 * One canonical text per IP address, so `ipauth:` keys match the source
 * address a socket reports: IPv6 compressed and lower-case, IPv4-mapped IPv6
 * (`::ffff:1.2.3.4`, as a dual-stack socket reports IPv4) as plain IPv4.
 * Returns null for anything that is not an IP literal.
 */
export function canonicalIp(address: string): string | null {
  const a = address.trim().replace(/^\[(.*)\]$/, '$1');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(a);
  if (mapped && isIP(mapped[1]!) === 4) return mapped[1]!;
  const family = isIP(a);
  if (family === 4) return a;
  if (family === 6) {
    if (a.includes('%')) return a.toLowerCase(); // zone ids are not valid in URLs; keep as given
    return new URL(`http://[${a}]/`).hostname.slice(1, -1);
  }
  return null;
}

/** The line, if it is IP-authenticated (an `ipauth:` key may outlive a change of the line's auth). */
export function ipLine(line: LineRecord | null): LineRecord | null {
  return line?.auth === 'ip' ? line : null;
}

/** Read side of provisioned lines, used on every REGISTER and INVITE. */
export class LineStore {
  constructor(private readonly redis: Redis) {}

  /** One HGETALL. */
  async get(sipId: string): Promise<LineRecord | null> {
    return lineFromHash(await this.redis.hgetall(keys.line(sipId)));
  }

  /** The SIP-ID of the line a number belongs to (docs/product.md §2: every number belongs to exactly one line); null when not ours. */
  async sipIdOfNumber(number: string): Promise<string | null> {
    return (await this.redis.hget(keys.number(number), 'sipId')) || null;
  }

  /** The IP-authenticated line trusted at this source address, if any. */
  async byAddress(address: string): Promise<LineRecord | null> {
    const ip = canonicalIp(address);
    const sipId = ip === null ? null : await this.sipIdAtAddress(ip);
    return ipLine(sipId === null ? null : await this.get(sipId));
  }

  /** The SIP-ID of the line trusted at a canonical IP (see canonicalIp); null when none. One GET. */
  async sipIdAtAddress(ip: string): Promise<string | null> {
    return this.redis.get(keys.ipAuth(ip));
  }

  /**
   * Every IP-authenticated line (for OPTIONS monitoring): one HMGET of `auth`,
   * `allowedAddresses` and the delivery address per provisioned line, in one pipeline.
   */
  async ipAuthenticated(): Promise<IpLineTargets[]> {
    const sipIds = (await this.redis.smembers(keys.lineIndex)).sort();
    const rows = await Promise.all(sipIds.map((sipId) => this.redis.hmget(keys.line(sipId), 'auth', 'allowedAddresses', 'deliverTo', 'deliverTransport')));
    const out: IpLineTargets[] = [];
    rows.forEach(([auth, addresses, deliverTo, transport], i) => {
      if (auth !== 'ip') return;
      out.push({
        sipId: sipIds[i]!,
        allowedAddresses: parseList(addresses ?? undefined),
        ...(deliverTo ? { deliverTo } : {}),
        ...(transport === 'udp' || transport === 'tcp' ? { deliverTransport: transport } : {}),
      });
    });
    return out;
  }

  /** SIP-IDs of a site's lines. */
  async listBySite(siteId: string): Promise<string[]> {
    return (await this.redis.smembers(keys.siteLines(siteId))).sort();
  }
}
