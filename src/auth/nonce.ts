import { randomFillSync, timingSafeEqual } from 'node:crypto';
import { HmacSha256 } from '../crypto/hmac.js';

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
/**
 * How long copies of one request get the same nonce (issueFor): 64*T1, as
 * long as a transaction that kept its answer would answer copies with it.
 */
const COPY_SPAN_MS = 32_000;

export class NonceIssuer {
  private randomPool = Buffer.alloc(0);
  private randomOffset = 0;
  private readonly hmac: HmacSha256;
  /** Under a key of its own, so nothing it gives away helps forge a nonce's MAC. */
  private readonly copyHmac: HmacSha256;
  private readonly copySpanMs: number;
  private readonly expected = Buffer.alloc(MAC_BYTES);

  constructor(
    secret: Buffer,
    private readonly realm: string,
    private readonly lifetimeMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.hmac = new HmacSha256(secret);
    this.copyHmac = new HmacSha256(Buffer.from(this.hmac.macLatin1('nonces for copies of a request'), 'latin1'));
    // A nonce dated back by a span must still have most of its life ahead of it.
    this.copySpanMs = Math.min(COPY_SPAN_MS, Math.floor(lifetimeMs / 8));
  }

  issue(): string {
    const payload = Buffer.allocUnsafe(TOTAL);
    payload.writeBigUInt64BE(BigInt(this.now()), 0);
    this.takeRandom().copy(payload, TIME_BYTES);
    return this.sign(payload);
  }

  /**
   * A nonce for one request (`identity`: what its copies share, see
   * requestIdentity), the same for every copy of it that arrives within one
   * span of 32 s (an eighth of the lifetime when that is shorter): dated at
   * the span's start, its random part a MAC of the identity and that date.
   * So a challenge given without keeping state is the same for each copy of
   * the request, as a transaction's kept answer would be, and another
   * request still gets a nonce of its own.
   */
  issueFor(identity: string): string {
    const payload = Buffer.allocUnsafe(TOTAL);
    const now = this.now();
    payload.writeBigUInt64BE(BigInt(now - (now % this.copySpanMs)), 0);
    this.copyHmac.macInto(payload, TIME_BYTES, RANDOM_BYTES, payload.subarray(0, TIME_BYTES), identity);
    return this.sign(payload);
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

  private sign(payload: Buffer): string {
    this.hmac.macInto(payload, PAYLOAD, MAC_BYTES, payload.subarray(0, PAYLOAD), this.realm);
    return payload.toString('base64url');
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
