/**
 * Password-guessing bans, as pure rules (no I/O, no clock): when a source
 * address is banned, and which requests from a banned address are still served.
 */

export interface BanLimits {
  /** Failures one source address may have in a window; one more bans it. */
  maxFailures: number;
  /** Failures one SIP-ID may collect from all sources in a window before it counts as under attack. */
  sipIdMaxFailures: number;
  /** While its SIP-ID is under attack, a failing source is banned after this many failures. */
  targetedMaxFailures: number;
}

/** Failed authentications in the current window (shared by all nodes). */
export interface FailureCounts {
  /** From this source address, whatever SIP-ID it tried. */
  source: number;
  /** For this SIP-ID, from any source. */
  sipId: number;
}

export type BanReason = 'too many failed authentications' | 'guessing a targeted SIP-ID';

/**
 * Whether the failure just counted bans its source address. A source is
 * banned after more than `maxFailures` failures in the window. Distributed
 * guessing (many sources, few guesses each) shows up on the SIP-ID instead:
 * once a SIP-ID has more than `sipIdMaxFailures`, any source failing for it is
 * banned after only `targetedMaxFailures`. The line itself is never locked:
 * bans are per source address, and the real trunk is exempt (see servedWhileBanned).
 */
export function banReason(counts: FailureCounts, limits: BanLimits): BanReason | null {
  if (counts.source > limits.maxFailures) return 'too many failed authentications';
  if (counts.sipId > limits.sipIdMaxFailures && counts.source > limits.targetedMaxFailures) return 'guessing a targeted SIP-ID';
  return null;
}

/** Where a request came from, as the transport layer saw it. */
export interface Endpoint {
  transport: string;
  address: string;
  port: number;
}

/** A live binding's source: the exact endpoint a SIP-ID registered from, and until when. */
export interface BindingSource extends Endpoint {
  sipId: string;
  expiresAt: number;
}

/**
 * The rule that keeps a ban from locking out the real trunk: a request from a
 * banned address is still served when it comes from the exact transport,
 * address and port of a live binding, and authenticates (if it carries
 * credentials at all) as that binding's SIP-ID. A guesser behind the same
 * address (same NAT, same host) uses another port, or another SIP-ID, and stays
 * banned; the trunk's own failures still count per SIP-ID. A request without
 * credentials from that endpoint is served too: it only gets a challenge (or
 * is a keep-alive), which tests no password.
 */
export function servedWhileBanned(from: Endpoint, username: string | undefined, sources: readonly BindingSource[], now: number): boolean {
  return sources.some(
    (s) =>
      s.expiresAt > now &&
      s.port === from.port &&
      s.address === from.address &&
      s.transport === from.transport &&
      (username === undefined || s.sipId === username),
  );
}
