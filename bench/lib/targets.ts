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
 * a new source port (and a server spreading sockets over worker processes by
 * source sees it spread, but a line's refreshes land on different workers).
 * trunks: `-t ui`, a socket per local address, each bench line its own fixed
 * loopback address (users.ts trunkAddress) and port, as real trunks register:
 * spread over workers, and every refresh of a line from the same source.
 */
export const SOCKET_MODES = ['single', 'multi', 'trunks'] as const;
export type SocketMode = (typeof SOCKET_MODES)[number];

/** The modes bench:calls and bench:scale offer (trunks mode is bench:register's). */
export const TWO_SOCKET_MODES = ['single', 'multi'] as const satisfies readonly SocketMode[];
export type TwoSocketMode = (typeof TWO_SOCKET_MODES)[number];

/** Most sockets one SIPp process opens (-max_socket), under the usual 20,000 open-file limit. */
export const MAX_SIPP_SOCKETS = 15000;

/**
 * Injection-file fields of a trunks-mode row: user;password;domain;address;port
 * (test/sipp/bench-register-trunks.xml). SIPp takes each call's local address from field 3.
 */
export const TRUNK_ADDRESS_FIELD = 3;

/** SIPp options of each mode. */
export function socketModeArgs(mode: SocketMode): string[] {
  if (mode === 'multi') return ['-t', 'un', '-max_socket', String(MAX_SIPP_SOCKETS)];
  if (mode === 'trunks') return ['-t', 'ui', '-ip_field', String(TRUNK_ADDRESS_FIELD), '-max_socket', String(MAX_SIPP_SOCKETS)];
  return [];
}

/**
 * Trunks mode opens a socket per line in each SIPp process (its share of the
 * users): an error message when that exceeds MAX_SIPP_SOCKETS, else undefined.
 */
export function trunkSocketsProblem(users: number, sippProcs: number): string | undefined {
  const perProcess = Math.ceil(users / Math.max(1, sippProcs));
  return perProcess > MAX_SIPP_SOCKETS
    ? `--mode trunks opens a socket per line: ${perProcess} lines per SIPp process is over ${MAX_SIPP_SOCKETS}; raise --sipp or lower --users`
    : undefined;
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

/**
 * "--mode single|multi|trunks|both|all" (both when not given): both is single
 * and multi, all is every mode the bench offers (`allowed`).
 */
export function parseModes<M extends SocketMode>(value: string | undefined, allowed: readonly M[]): M[] {
  if (value === undefined || value === 'both') return allowed.filter((m) => m === 'single' || m === 'multi');
  if (value === 'all') return [...allowed];
  const mode = allowed.find((m) => m === value);
  if (mode !== undefined) return [mode];
  throw new Error(`--mode must be ${[...allowed, 'both', 'all'].join(', ')}; got "${value}"`);
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
