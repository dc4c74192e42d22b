import { isIP } from 'node:net';
import { z } from 'zod';

/**
 * How calls leave through routes (docs/routing.md): when to give up on one
 * target for the next, and the DNS the route targets are located with
 * (RFC 3263).
 */

const seconds = (min: number, max: number) =>
  z
    .number({ error: 'must be a number' })
    .min(min, { error: `must be between ${min} and ${max}` })
    .max(max, { error: `must be between ${min} and ${max}` });

const count = (min: number, max: number) => seconds(min, max).int({ error: 'must be a whole number' });

/** "192.0.2.53", "192.0.2.53:5353", "2001:db8::53" or "[2001:db8::53]:5353": what node's Resolver.setServers takes. */
const dnsServer = z.string({ error: 'must be an IP address with an optional port' }).refine(
  (s) => {
    const m = /^(?:\[([^\]]+)\]|([\d.]+))(?::(\d{1,5}))?$/.exec(s);
    if (!m) return isIP(s) === 6;
    const host = m[1] ?? m[2] ?? '';
    const port = m[3] === undefined ? 53 : Number(m[3]);
    return isIP(host) !== 0 && port >= 1 && port <= 65535 && (m[1] === undefined || isIP(host) === 6);
  },
  { error: 'must be an IP address with an optional port (192.0.2.53, 127.0.0.1:5353, [2001:db8::53]:53)' },
);

export const dnsSchema = z.strictObject({
  /** DNS servers asked; empty: the system's (/etc/resolv.conf). */
  servers: z.array(dnsServer).max(8, { error: 'at most 8 servers' }).default([]),
  /** Seconds one query waits per try (two tries). */
  timeout: seconds(0.1, 30).default(2),
  /** Seconds NAPTR and SRV answers are kept (node does not give their TTL). */
  recordCache: count(1, 86400).default(60),
  /** A and AAAA answers are kept their TTL, at most this many seconds. */
  maxTtl: count(1, 86400).default(3600),
  /** Answers kept at most (per node); the oldest goes first. */
  maxEntries: count(10, 100_000).default(2000),
});

export const routingConfigSchema = z.strictObject({
  /**
   * Seconds a route target may stay silent (not even 100 Trying) before the
   * call moves to the next one (the next SRV answer or route). The last
   * target waits for Timer B (32 s).
   */
  failoverTimeout: seconds(0.2, 32).default(4),
  dns: dnsSchema.prefault({}),
});
