import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Bearer tokens: `base64url(JSON {sub, exp})` + "." + HMAC-SHA256. Stateless
 * like the SIP nonces, so any node verifies any node's token; they expire.
 */
export class TokenIssuer {
  constructor(private readonly secret: Buffer, private readonly ttlMs: number, private readonly now: () => number) {}

  issue(account: string): { token: string; expiresAt: number } {
    const expiresAt = this.now() + this.ttlMs;
    const body = Buffer.from(JSON.stringify({ sub: account, exp: expiresAt })).toString('base64url');
    return { token: `${body}.${this.sign(body)}`, expiresAt };
  }

  /** The account name, or undefined for a forged, damaged or expired token. */
  verify(token: string): string | undefined {
    const [body, sig] = token.split('.');
    if (!body || !sig || sig.length !== 43) return undefined;
    if (!timingSafeEqual(Buffer.from(sig), Buffer.from(this.sign(body)))) return undefined;
    try {
      const { sub, exp } = JSON.parse(Buffer.from(body, 'base64url').toString()) as { sub?: unknown; exp?: unknown };
      return typeof sub === 'string' && typeof exp === 'number' && exp > this.now() ? sub : undefined;
    } catch {
      return undefined;
    }
  }

  private sign(body: string): string {
    return createHmac('sha256', this.secret).update(body).digest('base64url');
  }
}
