import type { Redis } from 'ioredis';
import type { Desired } from '../../provisioning/plan.js';
import type { Hash, Read, Snapshot } from './snapshot.js';

/**
 * One kind of provisioned data (lines, features, groups, routing). The apply
 * loop reads every part's keys in rounds, collects every part's conflicts,
 * then queues every part's removals before any part's writes (so a value
 * moving from one owner to another ends with the new owner).
 */

export interface KindCounts {
  created: number;
  updated: number;
  unchanged: number;
}
export type KindCountsRemoved = KindCounts & { removed: number };

export interface ProvisioningResult {
  voiceGroups: KindCounts;
  sites: KindCounts;
  lines: KindCounts;
  /** `removed`: numbers a line no longer has (their `num:` keys are deleted). */
  numbers: KindCountsRemoved;
  huntGroups: KindCounts;
  bulkGroups: KindCounts;
  /** `removed`: settings of numbers that left their line. */
  features: KindCountsRemoved;
  /** Subscription records of numbers and sites; `removed`: records deleted. */
  options: KindCountsRemoved;
  peers: KindCountsRemoved;
  outboundRoutes: KindCountsRemoved;
  emergencyRoutes: KindCountsRemoved;
  voicemail: KindCountsRemoved;
}

export type Tx = ReturnType<Redis['multi']>;

/** Facts several parts need, computed once the line reads are in. */
export interface Shared {
  /** number -> SIP-ID: numbers their line gives up in this file (their `num:` keys are deleted). */
  removedNumbers: Map<string, string>;
  /** The time of this apply (ms), for what the store stamps (block-list add times). */
  now: number;
}

export interface Part {
  /** Keys to read in round `round` (0, 1, 2), given what earlier rounds found. */
  reads(round: number, d: Desired, snap: Snapshot, shared: Shared): Read[];
  conflicts(d: Desired, snap: Snapshot, shared: Shared): string[];
  remove(tx: Tx, d: Desired, snap: Snapshot, shared: Shared, result: ProvisioningResult): void;
  write(tx: Tx, d: Desired, snap: Snapshot, shared: Shared, result: ProvisioningResult): void;
}

export const ROUNDS = 3;

export const counts = (): KindCounts => ({ created: 0, updated: 0, unchanged: 0 });
export const countsRemoved = (): KindCountsRemoved => ({ ...counts(), removed: 0 });

export function emptyResult(): ProvisioningResult {
  return {
    voiceGroups: counts(),
    sites: counts(),
    lines: counts(),
    numbers: countsRemoved(),
    huntGroups: counts(),
    bulkGroups: counts(),
    features: countsRemoved(),
    options: countsRemoved(),
    peers: countsRemoved(),
    outboundRoutes: countsRemoved(),
    emergencyRoutes: countsRemoved(),
    voicemail: countsRemoved(),
  };
}

/** created when nothing was stored, else updated or unchanged. */
export function count(k: KindCounts, existed: boolean, changed: boolean): void {
  if (!existed) k.created++;
  else if (changed) k.updated++;
  else k.unchanged++;
}

export function differs(want: Hash, have: Hash, fields: readonly string[] = Object.keys(want)): boolean {
  return fields.some((f) => want[f] !== have[f]);
}
