/**
 * Who calls whom in `npm run bench:calls`, and how the softswitch is
 * provisioned so that every feature stage runs its check on every call while
 * the call still goes to the dialled callee. Pure (documents and text).
 */
import { benchSiteDoc } from './softswitch.js';
import type { BenchUser } from './users.js';

/** One calling trunk per SIPp caller process: trusted by its own loopback address. */
export interface BenchTrunk {
  sipId: string;
  /** 127.0.0.2, 127.0.0.3, ...: SIPp binds it (-i), the softswitch trusts it (auth: ip). */
  address: string;
  number: string;
}

/** Most channels a line may have (provisioning schema); concurrent calls per trunk are capped by it. */
export const TRUNK_CHANNELS = 1000;
export const CALLEE_CHANNELS = 1000;

export function makeTrunks(n: number): BenchTrunk[] {
  if (!Number.isInteger(n) || n < 1 || n > 200) throw new Error(`trunks must be 1..200, got ${n}`);
  return Array.from({ length: n }, (_, i) => ({
    sipId: `trunk${i + 1}`,
    address: `127.0.0.${i + 2}`,
    number: `038${String(i + 1).padStart(7, '0')}`,
  }));
}

/** Callers on every callee's block list: none of them is a bench trunk (038...). */
export const BLOCKED_CALLERS = ['0311111111', '0322222222', '0333333333'];

/**
 * What "all stages active" means here, printed with the results:
 * the choice keeps every call going to the dialled callee.
 */
export const STAGE_SETTINGS = [
  `nuisance-blocking: each callee blocks ${BLOCKED_CALLERS.length} numbers (not the caller), so the list is checked and passes`,
  'anonymous-rejection: on for each callee; the caller presents its number, so it passes',
  'international-bar: on for each calling trunk; the calls are national, so it passes',
  'forwarding: on for each callee with busy + no-answer (30 s) + unreachable to the next callee, not unconditional; ' +
    'each callee is in a stopped bulk-forwarding group, so the bulk look-up finds a group that does not override',
  'hunt-group: no callee is in a hunt group (one would send the call elsewhere); the stage still looks the number up',
];

/** The provisioning file for the softswitch: trunks and callees in one site, with features. */
export function callsProvisioningDoc(trunks: BenchTrunk[], callees: BenchUser[]): Record<string, unknown> {
  const features: Record<string, unknown> = {};
  callees.forEach((c, i) => {
    const next = callees[(i + 1) % callees.length]!;
    features[c.basicNumber] = {
      blockedCallers: BLOCKED_CALLERS,
      anonymousRejection: true,
      forwarding: {
        enabled: true,
        busy: true,
        noAnswer: true,
        unreachable: true,
        ringTime: 30,
        active: 1,
        // A lone callee forwards to a number that is not ours (never used: the callee answers).
        destinations: [next.basicNumber !== c.basicNumber ? next.basicNumber : '0399999999'],
      },
    };
  });
  for (const t of trunks) features[t.number] = { internationalBar: true };
  return {
    ...benchSiteDoc({
      lines: [
        ...trunks.map((t) => ({ sipId: t.sipId, auth: 'ip', allowedAddresses: [t.address], channels: TRUNK_CHANNELS, basicNumber: t.number })),
        ...callees.map((u) => ({ sipId: u.sipId, password: u.password, auth: 'digest', channels: CALLEE_CHANNELS, basicNumber: u.basicNumber })),
      ],
      bulkGroups: [{ id: 'BULK1', name: 'Bench bulk (stopped)', members: callees.map((u) => u.basicNumber), state: 'stopped' }],
    }),
    features,
  };
}

/**
 * Caller injection file for test/sipp/bench-call-uac.xml, one per trunk:
 * called number; calling number; domain. Callees in turn, so calls spread
 * evenly over them.
 */
export function callerCsv(trunk: BenchTrunk, callees: BenchUser[], domain: string): string {
  return ['SEQUENTIAL', ...callees.map((c) => `${c.basicNumber};${trunk.number};${domain}`)].join('\n') + '\n';
}

/**
 * Callees as Kamailio knows them: the AOR user is the number (lookup("location")
 * on the Request-URI's user), the password the same.
 */
export function calleesByNumber(callees: BenchUser[]): BenchUser[] {
  return callees.map((c) => ({ ...c, sipId: c.basicNumber }));
}
