import { timingSafeEqual } from 'node:crypto';
import { formatChallenge, parseUri, uriEquals, type Credentials, type ReadonlyDeep, type SipRequest } from '../core/messages/index.js';
import type { HeaderList } from '../core/server/incoming-request.js';
import { computeDigestResponse, parseAlgorithm, type DigestAlgorithm } from './digest.js';
import type { NonceIssuer } from './nonce.js';

/** What the authenticator needs to know of a user: the stored HA1 per algorithm. */
export interface DigestUser {
  ha1Md5?: string | undefined;
  ha1Sha256?: string | undefined;
}

export interface DigestUserSource<U extends DigestUser> {
  /** The user for a digest username, or null when there is none (or it does not use digest). */
  findDigestUser(username: string): Promise<U | null>;
}

/**
 * A nonce-count a verified request used: the request is authentic only once
 * the store has seen nc go forwards for this user's nonce (replay protection).
 */
export interface NonceUse {
  username: string;
  nonce: string;
  nc: number;
  /** How long the count must be remembered: the nonce's lifetime. */
  ttlMs: number;
}

/** Remembers the highest nonce-count used with each nonce (shared by all nodes). */
export interface NonceCountStore {
  /** True when nc is higher than any count seen before for this user's nonce, recording it. */
  advance(use: NonceUse): Promise<boolean>;
}

export type AuthFailureReason = 'wrong password' | 'unknown SIP-ID' | 'invalid nonce' | 'nonce-count replay' | 'algorithm not offered';

export type AuthOutcome<U> =
  | { kind: 'authenticated'; username: string; user: U; algorithm: DigestAlgorithm }
  /** From verify(): the digest is right; authentic once the store accepts `nonceUse` (see NonceUse). */
  | { kind: 'verified'; username: string; user: U; algorithm: DigestAlgorithm; nonceUse: NonceUse }
  /** Answer 401/407 with fresh challenges; `failure` set when it was a failed attempt worth reporting. */
  | { kind: 'challenge'; stale: boolean; username?: string; failure?: AuthFailureReason }
  /** Answer 403: the credentials are wrong. Unknown users get exactly the same answer. */
  | { kind: 'forbidden'; username: string; failure: AuthFailureReason }
  /** Answer 400: the Authorization header is not usable digest. */
  | { kind: 'bad-request'; why: string };

export type ChallengeKind = 'www' | 'proxy';

const HEADER_IN: Record<ChallengeKind, string> = { www: 'authorization', proxy: 'proxy-authorization' };
const HEADER_OUT: Record<ChallengeKind, string> = { www: 'WWW-Authenticate', proxy: 'Proxy-Authenticate' };
/** Compared against when the user is unknown, so that case costs the same time as a wrong password. */
const DUMMY_HA1 = '0'.repeat(64);
const NC_PATTERN = /^[0-9a-fA-F]{8}$/;
/** The refusal's reason, also logged: a client that puts another URI in its credentials gets 400. */
export const DIGEST_URI_MISMATCH = 'digest uri does not match the Request-URI';

/**
 * Digest authentication of a request (RFC 3261 §22, RFC 7616, RFC 8760) with
 * qop=auth only, stateless nonces and nonce-count replay protection.
 */
export class DigestAuthenticator<U extends DigestUser> {
  constructor(
    private readonly realm: string,
    private readonly algorithms: readonly DigestAlgorithm[],
    private readonly nonces: NonceIssuer,
    private readonly users: DigestUserSource<U>,
    private readonly nonceCounts: NonceCountStore,
  ) {}

  /**
   * One challenge per algorithm, preferred first (RFC 8760 §2.4). With
   * `identity` (requestIdentity of the request answered), every copy of that
   * request gets the same nonce: for a challenge sent without keeping state.
   */
  challengeHeaders(kind: ChallengeKind, stale = false, identity?: string): HeaderList {
    const nonce = identity === undefined ? this.nonces.issue() : this.nonces.issueFor(identity);
    return this.algorithms.map((algorithm) => {
      const params: Array<[string, string, boolean]> = [
        ['realm', this.realm, true],
        ['nonce', nonce, true],
        ['algorithm', algorithm, false],
        ['qop', 'auth', true],
      ];
      if (stale) params.push(['stale', 'true', false]);
      return [HEADER_OUT[kind], formatChallenge('Digest', params)];
    });
  }

  /** Verifies the digest and checks the nonce-count in the store: 'authenticated', or why not. */
  async authenticate(request: SipRequest, kind: ChallengeKind): Promise<Exclude<AuthOutcome<U>, { kind: 'verified' }>> {
    const outcome = await this.verify(request, kind);
    if (outcome.kind !== 'verified') return outcome;
    const { nonceUse, ...rest } = outcome;
    if (!(await this.nonceCounts.advance(nonceUse))) return nonceReplay(outcome.username);
    return { ...rest, kind: 'authenticated' };
  }

  /** The nonce-count check of a 'verified' request, on its own: true when it went forwards. */
  confirm(use: NonceUse): Promise<boolean> {
    return this.nonceCounts.advance(use);
  }

  /**
   * Verifies the digest and leaves the nonce-count check to the caller, which
   * does it in the same store round trip as its own write (the registrar):
   * 'verified' is not yet authentic.
   */
  async verify(request: SipRequest, kind: ChallengeKind): Promise<Exclude<AuthOutcome<U>, { kind: 'authenticated' }>> {
    const credentials = this.ourCredentials(request, kind);
    if (!credentials) return { kind: 'challenge', stale: false };
    const p = credentials.params;
    const username = p.username;
    if (!username || !p.nonce || !p.uri || !p.response) {
      return { kind: 'bad-request', why: 'digest credentials lack username, nonce, uri or response' };
    }
    const algorithm = parseAlgorithm(p.algorithm);
    if (!algorithm || !this.algorithms.includes(algorithm)) {
      return { kind: 'challenge', stale: false, username, failure: 'algorithm not offered' };
    }
    if (p.qop !== 'auth' || !p.nc || !NC_PATTERN.test(p.nc) || !p.cnonce) {
      return { kind: 'bad-request', why: 'digest credentials must use qop=auth with nc and cnonce' };
    }
    if (!sameRequestUri(p.uri, request.uri)) {
      return { kind: 'bad-request', why: DIGEST_URI_MISMATCH };
    }
    const nonceCheck = this.nonces.check(p.nonce);
    if (nonceCheck === 'invalid') return { kind: 'challenge', stale: false, username, failure: 'invalid nonce' };

    const user = await this.users.findDigestUser(username);
    const ha1 = (algorithm === 'SHA-256' ? user?.ha1Sha256 : user?.ha1Md5) ?? DUMMY_HA1;
    const expected = computeDigestResponse({
      algorithm,
      ha1,
      method: request.method,
      uri: p.uri,
      nonce: p.nonce,
      qop: { qop: 'auth', nc: p.nc, cnonce: p.cnonce },
    });
    const matches = constantTimeEqual(expected, p.response.toLowerCase());
    if (!user || !matches) {
      return { kind: 'forbidden', username, failure: user ? 'wrong password' : 'unknown SIP-ID' };
    }
    // The right password with an old nonce: ask again, marked stale, so the client retries silently.
    if (nonceCheck === 'stale') return { kind: 'challenge', stale: true, username };
    return { kind: 'verified', username, user, algorithm, nonceUse: { username, nonce: p.nonce, nc: parseInt(p.nc, 16), ttlMs: this.nonces.lifetime } };
  }

  /** The Digest credentials meant for our realm; others (for other hops) are ignored. */
  private ourCredentials(request: SipRequest, kind: ChallengeKind): ReadonlyDeep<Credentials> | undefined {
    for (const credentials of request.credentials(HEADER_IN[kind])) {
      if (credentials && credentials.scheme.toLowerCase() === 'digest' && credentials.params.realm === this.realm) {
        return credentials;
      }
    }
    return undefined;
  }
}

/** The answer to a nonce-count that did not go forwards: a fresh challenge, reported as a failure. */
export function nonceReplay(username: string): { kind: 'challenge'; stale: false; username: string; failure: AuthFailureReason } {
  return { kind: 'challenge', stale: false, username, failure: 'nonce-count replay' };
}

function constantTimeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'latin1');
  const y = Buffer.from(b, 'latin1');
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * The digest-uri must name the Request-URI (RFC 7616 §3.4.6), so credentials
 * computed for one target cannot be replayed on a request to another. SIP URIs
 * are compared as RFC 3261 §19.1.4 says (host and parameter case, escaping,
 * parameter order); anything else must match exactly.
 */
export function sameRequestUri(digestUri: string, requestUri: string): boolean {
  if (digestUri === requestUri) return true;
  const a = parseUri(digestUri);
  const b = parseUri(requestUri);
  return a !== null && b !== null && uriEquals(a, b);
}
