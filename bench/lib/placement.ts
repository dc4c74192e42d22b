/**
 * Which cores each process of a bench may run on (`--cpus-target`,
 * `--cpus-sipp`, `--cpus-redis`). On a machine with cores to spare, giving
 * SIPp and Redis cores of their own makes the held rates and the latency
 * measure the server under test, not its sharing of the cores with the load
 * it is given. A process is started under `taskset -c LIST`, so everything it
 * forks (the softswitch's workers, Kamailio's children) keeps to the same
 * cores, and the softswitch's `workers: auto` counts only those
 * (os.availableParallelism() follows the affinity).
 */

/** The processes a bench places: the server under test, SIPp (callers and callees), the server's Redis. */
export type Role = 'target' | 'sipp' | 'redis';

const ROLES: readonly Role[] = ['target', 'sipp', 'redis'];

/** A taskset CPU list per role; a role left out runs wherever the kernel puts it. */
export type Placement = Partial<Record<Role, string>>;

/**
 * Checks a CPU list as taskset takes it ("1", "0,2", "2-3") against the
 * machine's `cores`; returns it as given, or throws naming the option.
 */
export function parseCpuList(option: string, text: string, cores: number): string {
  if (!/^\d+(-\d+)?(,\d+(-\d+)?)*$/.test(text)) throw new Error(`--${option} must be a list of cores such as 1 or 0,2 or 2-3, got "${text}"`);
  for (const item of text.split(',')) {
    const [first, last = first] = item.split('-').map(Number) as [number, number?];
    if (last < first) throw new Error(`--${option}: the range ${item} runs backwards`);
    if (last >= cores) throw new Error(`--${option}: this machine has cores 0..${cores - 1}, not ${last}`);
  }
  return text;
}

/** The placement the options ask for (values of --cpus-<role>, undefined or '' when not given). */
export function placementFromOptions(options: Partial<Record<`cpus-${Role}`, string>>, cores: number): Placement {
  const placement: Placement = {};
  for (const role of ROLES) {
    const text = options[`cpus-${role}`];
    if (text) placement[role] = parseCpuList(`cpus-${role}`, text, cores);
  }
  return placement;
}

/** The command that starts `cmd args` on the role's cores: itself, or under taskset. */
export function placedCommand(placement: Placement, role: Role | undefined, cmd: string, args: readonly string[]): { cmd: string; args: string[] } {
  const cpus = role ? placement[role] : undefined;
  return cpus ? { cmd: 'taskset', args: ['-c', cpus, cmd, ...args] } : { cmd, args: [...args] };
}

/** "target on cores 2-3, sipp on cores 1" for the bench's heading; '' when nothing is placed. */
export function describePlacement(placement: Placement): string {
  return ROLES.filter((r) => placement[r])
    .map((r) => `${r} on cores ${placement[r]}`)
    .join(', ');
}

/** The options, for a bench's parseArgs. */
export const PLACEMENT_OPTIONS = {
  'cpus-target': { type: 'string' },
  'cpus-sipp': { type: 'string' },
  'cpus-redis': { type: 'string' },
} as const;

export const PLACEMENT_USAGE = '[--cpus-target LIST] [--cpus-sipp LIST] [--cpus-redis LIST]';

export const PLACEMENT_HELP =
  "  --cpus-target, --cpus-sipp, --cpus-redis: the cores (taskset lists: 1, 0,2, 2-3) of the server under test, of SIPp and of the server's Redis; on a machine with cores to spare, SIPp and Redis on cores of their own measure the server, not its sharing of the cores. Not given: anywhere.";
