import { createHash, hash } from 'node:crypto';

/**
 * HTTP digest as SIP uses it (RFC 3261 §22.4, RFC 7616, RFC 8760). Pure
 * functions: no I/O, no clock.
 */
export type DigestAlgorithm = 'SHA-256' | 'MD5';

const HASH_NAMES: Record<DigestAlgorithm, string> = { 'SHA-256': 'sha256', MD5: 'md5' };

export function parseAlgorithm(value: string | undefined): DigestAlgorithm | undefined {
  // RFC 7616 §3.3: an absent algorithm means MD5.
  const name = (value ?? 'MD5').toUpperCase();
  return name === 'MD5' || name === 'SHA-256' ? name : undefined;
}

// eslint-disable-next-line no-control-regex -- the test is for anything beyond ASCII
const ASCII = /^[\x00-\x7f]*$/;

/**
 * H(text), text being message text read as latin1 (one character per byte).
 * The one-shot `hash()` costs half of `createHash` here, but reads a string as
 * UTF-8, which gives the same bytes only for ASCII; other text goes as bytes.
 */
export function digestHash(algorithm: DigestAlgorithm, text: string): string {
  return hash(HASH_NAMES[algorithm], ASCII.test(text) ? text : Buffer.from(text, 'latin1'), 'hex');
}

/** HA1 = H(username:realm:password): what we store instead of the password. */
export function computeHa1(algorithm: DigestAlgorithm, username: string, realm: string, password: string): string {
  return createHash(HASH_NAMES[algorithm]).update(`${username}:${realm}:${password}`, 'utf8').digest('hex');
}

export interface DigestResponseInput {
  algorithm: DigestAlgorithm;
  ha1: string;
  method: string;
  uri: string;
  nonce: string;
  /** With qop=auth; absent for the RFC 2069 form. */
  qop?: { nc: string; cnonce: string; qop: 'auth' };
}

/** response = H(HA1:nonce:nc:cnonce:qop:HA2), HA2 = H(method:uri). */
export function computeDigestResponse(input: DigestResponseInput): string {
  const ha2 = digestHash(input.algorithm, `${input.method}:${input.uri}`);
  const middle = input.qop ? `${input.nonce}:${input.qop.nc}:${input.qop.cnonce}:${input.qop.qop}` : input.nonce;
  return digestHash(input.algorithm, `${input.ha1}:${middle}:${ha2}`);
}
