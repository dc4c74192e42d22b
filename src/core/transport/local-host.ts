import { bareHost } from '../messages/index.js';

/**
 * "Is this host us?" in one place. Three callers ask it with different
 * rules, each kept: the registrar takes any IP literal as its own (a client
 * may register at whatever address it used), the app takes IP literals only
 * when listening on a wildcard address, and the proxy compares host and port
 * with the addresses it listens on (hostPortKey).
 */

/** Whether a host is an IP address literal: dotted digits, or IPv6 (with or without brackets). */
export function isIpLiteral(host: string): boolean {
  const bare = bareHost(host);
  return /^[\d.]+$/.test(bare) || bare.includes(':');
}

/** Whether `host` is one of `names` (lower-case), or any IP literal when `anyIpLiteral`. */
export function namesHost(host: string, names: ReadonlySet<string> | readonly string[], anyIpLiteral: boolean): boolean {
  const bare = bareHost(host).toLowerCase();
  const named = 'has' in names ? names.has(bare) : names.includes(bare);
  return named || (anyIpLiteral && isIpLiteral(bare));
}

/** The key for a set of our own addresses: "host:port", host bare and lower-case. */
export function hostPortKey(host: string, port: number): string {
  return `${bareHost(host).toLowerCase()}:${port}`;
}
