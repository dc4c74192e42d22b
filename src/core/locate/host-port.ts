import { isIP } from 'node:net';

/**
 * A provisioned SIP target "host[:port]" (RFC 3263 §4 input): an IPv4
 * literal, a bracketed IPv6 literal or a DNS name, with an optional port.
 * Pure: nothing is resolved here.
 */
export interface HostPort {
  /** Bare host: an IP literal without brackets, or a lower-case DNS name. */
  host: string;
  port?: number;
  /** 4 or 6 for an IP literal, 0 for a DNS name. */
  family: 0 | 4 | 6;
}

/** A DNS host name (RFC 1123 labels, 1-253 characters, not all digits). */
const HOST_NAME = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

/** The parts of "host", "host:port", "[v6]" or "[v6]:port"; undefined when it is none of these. */
export function parseHostPort(text: string): HostPort | undefined {
  const m = /^(\[[^\]]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(text.trim());
  if (!m) return undefined;
  const rawHost = m[1]!;
  const port = m[2] === undefined ? undefined : Number(m[2]);
  if (port !== undefined && (port < 1 || port > 65535)) return undefined;
  const withPort = port === undefined ? {} : { port };
  if (rawHost.startsWith('[')) {
    const inner = rawHost.slice(1, -1);
    return isIP(inner) === 6 ? { host: inner.toLowerCase(), family: 6, ...withPort } : undefined;
  }
  if (isIP(rawHost) === 4) return { host: rawHost, family: 4, ...withPort };
  // Dotted digits that are no IPv4 address (e.g. 999.1.1.1) are a typo, not a name.
  if (/^[\d.]+$/.test(rawHost) || !HOST_NAME.test(rawHost)) return undefined;
  return { host: rawHost.toLowerCase().replace(/\.$/, ''), family: 0, ...withPort };
}

/** "host:port" with an IPv6 host in brackets. */
export function formatHostPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}
