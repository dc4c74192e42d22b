/**
 * What a bench run compares and how the load is offered: the systems under
 * test, and SIPp's socket mode. Pure (option parsing and argument lists).
 */

/** The softswitch and its two references: Kamailio with bindings in memory, and written through to Redis. */
export const TARGETS = ['kamailio', 'kamailio-redis', 'softswitch'] as const;
export type TargetName = (typeof TARGETS)[number];

/**
 * single: one SIPp socket for all traffic (one source address and port).
 * multi: `-t un`, a socket per call, so every call or registration comes from
 * its own source port, as traffic from many trunks does (and a server spreading
 * sockets over worker processes by source sees it spread).
 */
export const SOCKET_MODES = ['single', 'multi'] as const;
export type SocketMode = (typeof SOCKET_MODES)[number];

/** SIPp options of each mode. -max_socket stays under the usual 20,000 open-file limit. */
export function socketModeArgs(mode: SocketMode): string[] {
  return mode === 'multi' ? ['-t', 'un', '-max_socket', '15000'] : [];
}

/** "--only kamailio,softswitch" (every target when not given). */
export function parseTargets(value: string | undefined): TargetName[] {
  if (value === undefined || value === '') return [...TARGETS];
  const names = value.split(',').map((s) => s.trim());
  for (const n of names) {
    if (!(TARGETS as readonly string[]).includes(n)) throw new Error(`--only takes a comma-separated list of ${TARGETS.join(', ')}; got "${n}"`);
  }
  return TARGETS.filter((t) => names.includes(t));
}

/** "--mode single|multi|both" (both when not given). */
export function parseModes(value: string | undefined): SocketMode[] {
  if (value === undefined || value === 'both') return [...SOCKET_MODES];
  if (value === 'single' || value === 'multi') return [value];
  throw new Error(`--mode must be single, multi or both; got "${value}"`);
}

/**
 * SIPp options of every REGISTER run. By default SIPp sends a BYE for an
 * aborted call that had received any message: a registration whose 401 came
 * but whose authorized REGISTER then timed out (a loaded target, a dropped
 * datagram) or met an unexpected message (a late 401 to a retransmission)
 * would send the target a BYE outside any dialog, which the softswitch
 * refuses and logs (`security.relay_refused`) and Kamailio answers: load and
 * log lines no registering trunk sends. The other default behaviours stay.
 */
export const REGISTER_SIPP_ARGS = ['-default_behaviors', 'all,-bye'];

/** SIPp options of a REGISTER run in a socket mode. */
export function registerLoadArgs(mode: SocketMode): string[] {
  return [...REGISTER_SIPP_ARGS, ...socketModeArgs(mode)];
}
