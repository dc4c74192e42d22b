import { createHash } from 'node:crypto';

/**
 * Client-side digest (RFC 7616 / RFC 8760, qop=auth), written apart from
 * src/auth/digest.ts on purpose: the tests check the server against the RFC
 * arithmetic, not against itself.
 */
export type DigestAlgorithm = 'MD5' | 'SHA-256';

export interface Challenge {
  scheme: string;
  /** Parameter names lower-cased, values unquoted. */
  params: Record<string, string>;
}

export function parseChallenge(value: string): Challenge {
  const space = value.indexOf(' ');
  const scheme = space < 0 ? value : value.slice(0, space);
  const params: Record<string, string> = {};
  const re = /([A-Za-z0-9_-]+)\s*=\s*("((?:[^"\\]|\\.)*)"|[^\s,]+)/g;
  for (const m of value.slice(scheme.length).matchAll(re)) {
    params[m[1]!.toLowerCase()] = m[3] !== undefined ? m[3].replace(/\\(.)/g, '$1') : m[2]!;
  }
  return { scheme, params };
}

export function hash(algorithm: DigestAlgorithm, text: string): string {
  return createHash(algorithm === 'MD5' ? 'md5' : 'sha256')
    .update(text, 'utf8')
    .digest('hex');
}

export interface CredentialInput {
  username: string;
  password: string;
  realm: string;
  nonce: string;
  algorithm: DigestAlgorithm;
  method: string;
  uri: string;
  nc: number;
  cnonce: string;
}

/** The Authorization header value, plus the response and HA1 (for "never in the logs" checks). */
export function buildDigestCredentials(input: CredentialInput): { header: string; response: string; ha1: string } {
  const ha1 = hash(input.algorithm, `${input.username}:${input.realm}:${input.password}`);
  const ha2 = hash(input.algorithm, `${input.method}:${input.uri}`);
  const nc = input.nc.toString(16).padStart(8, '0');
  const response = hash(input.algorithm, `${ha1}:${input.nonce}:${nc}:${input.cnonce}:auth:${ha2}`);
  const header =
    `Digest username="${input.username}", realm="${input.realm}", nonce="${input.nonce}", uri="${input.uri}", ` +
    `response="${response}", algorithm=${input.algorithm}, qop=auth, nc=${nc}, cnonce="${input.cnonce}"`;
  return { header, response, ha1 };
}
