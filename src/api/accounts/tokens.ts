import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Bearer tokens: `base64url(JSON {sub, gen, exp})` + "." + HMAC-SHA256.
 * Stateless like the SIP nonces, so any node verifies any node's token; they
 * expire. `gen` is the account's token generation, which every password
 * change renews: the caller compares it with the stored one on every
 * request, so tokens die with their password.
 */
export interface TokenClaims {
  name: string;
  generation: string;
}

export class TokenIssuer {
  constructor(
    private readonly secret: Buffer,
    private readonly ttlMs: number,
    private readonly now: () => number,
  ) {}

  issue(account: string, generation: string): { token: string; expiresAt: number } {
    const expiresAt = this.now() + this.ttlMs;
    const body = Buffer.from(JSON.stringify({ sub: account, gen: generation, exp: expiresAt })).toString('base64url');
    return { token: `${body}.${this.sign(body)}`, expiresAt };
  }

  /** The claims, or undefined for a forged, damaged or expired token. */
  verify(token: string): TokenClaims | undefined {
    const [body, sig] = token.split('.');
    if (!body || !sig || sig.length !== 43) return undefined;
    if (!timingSafeEqual(Buffer.from(sig), Buffer.from(this.sign(body)))) return undefined;
    try {
      const { sub, gen, exp } = JSON.parse(Buffer.from(body, 'base64url').toString()) as { sub?: unknown; gen?: unknown; exp?: unknown };
      return typeof sub === 'string' && typeof gen === 'string' && typeof exp === 'number' && exp > this.now() ? { name: sub, generation: gen } : undefined;
    } catch {
      return undefined;
    }
  }

  private sign(body: string): string {
    return createHmac('sha256', this.secret).update(body).digest('base64url');
  }
}
