import { randomFillSync, timingSafeEqual } from 'node:crypto';
import { HmacSha256 } from './hmac.js';

/**
 * Stateless nonces (docs/product.md §3): timestamp + random + HMAC(secret). Any node with
 * the same secret can tell a nonce it never saw is genuine and how old it is,
 * so no nonce table is shared between nodes.
 *
 * Layout before base64url: 8 bytes issue time (ms), 8 random bytes, 16 bytes of HMAC-SHA256.
 */
export type NonceCheck = 'valid' | 'stale' | 'invalid';

const TIME_BYTES = 8;
const RANDOM_BYTES = 8;
const MAC_BYTES = 16;
const PAYLOAD = TIME_BYTES + RANDOM_BYTES;
const TOTAL = PAYLOAD + MAC_BYTES;
/** Clocks of different nodes may disagree a little. */
const ALLOWED_CLOCK_SKEW_MS = 5_000;

export class NonceIssuer {
  private randomPool = Buffer.alloc(0);
  private randomOffset = 0;
  private readonly hmac: HmacSha256;
  private readonly expected = Buffer.alloc(MAC_BYTES);

  constructor(
    secret: Buffer,
    private readonly realm: string,
    private readonly lifetimeMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.hmac = new HmacSha256(secret);
  }

  issue(): string {
    const payload = Buffer.allocUnsafe(TOTAL);
    payload.writeBigUInt64BE(BigInt(this.now()), 0);
    this.takeRandom().copy(payload, TIME_BYTES);
    this.hmac.macInto(payload, PAYLOAD, MAC_BYTES, payload.subarray(0, PAYLOAD), this.realm);
    return payload.toString('base64url');
  }

  check(nonce: string): NonceCheck {
    if (nonce.length > 64) return 'invalid';
    const raw = Buffer.from(nonce, 'base64url');
    if (raw.length !== TOTAL) return 'invalid';
    this.hmac.macInto(this.expected, 0, MAC_BYTES, raw.subarray(0, PAYLOAD), this.realm);
    if (!timingSafeEqual(this.expected, raw.subarray(PAYLOAD))) return 'invalid';
    const age = this.now() - Number(raw.readBigUInt64BE(0));
    if (age < -ALLOWED_CLOCK_SKEW_MS) return 'invalid';
    return age > this.lifetimeMs ? 'stale' : 'valid';
  }

  /** How long a nonce stays usable, for the nonce-count record's lifetime. */
  get lifetime(): number {
    return this.lifetimeMs + ALLOWED_CLOCK_SKEW_MS;
  }

  private takeRandom(): Buffer {
    if (this.randomOffset + RANDOM_BYTES > this.randomPool.length) {
      this.randomPool = randomFillSync(Buffer.allocUnsafe(4096));
      this.randomOffset = 0;
    }
    const bytes = this.randomPool.subarray(this.randomOffset, this.randomOffset + RANDOM_BYTES);
    this.randomOffset += RANDOM_BYTES;
    return bytes;
  }
}
