/**
 * Hunt-group search, pre-routing part (docs/product.md §4.5, terminating).
 *
 * A call to any number of a group (pilot or member) is retargeted to the
 * group's candidates in the order they should be tried:
 * - candidates are `[pilot, ...members]` (duplicates dropped); call this list
 *   the *candidate list*, positions 0 … size-1 (0 = pilot);
 * - sequential: always from position 0 (the pilot), then the members in order;
 * - round robin: from `deps.nextStartIndex(groupId, size)`, a position in the
 *   candidate list. The dep owns the pointer shared by all nodes: it returns
 *   where this call starts and advances the pointer by one, so the next call
 *   starts at the candidate after the one first tried on this call (e.g. Redis
 *   `INCR rr:{groupId}` → `(value - 1) mod size`). Out-of-range values are
 *   taken modulo size.
 * How the list is walked is `huntDelivery()`: skip members that are busy (no
 * free channel) or unreachable (no binding, 480/404, no answer to INVITE
 * within 2 s), offer the call to the first that can take it, answer 486 when
 * every candidate was busy (480 when none was busy but none reachable). Hunt
 * targets are delivered directly: the stages do not run again for them, or a
 * member would hunt its own group.
 */
import type { Delivery } from '../call-plan.js';
import type { CallContext, Stage, StageResult } from '../call-context.js';
import type { HuntGroup } from '../settings.js';

export interface HuntGroupDeps {
  groupOf(number: string): Promise<HuntGroup | null>;
  /** Round-robin start position in the candidate list [pilot, ...members], 0 … size-1. */
  nextStartIndex(groupId: string, size: number): Promise<number>;
}

/** The candidate list [pilot, ...members] without duplicates. */
export function huntCandidates(group: HuntGroup): string[] {
  return [...new Set([group.pilot, ...group.members])];
}

/** The candidate list rotated to start at `startIndex` (taken modulo its size). */
export function huntOrder(group: HuntGroup, startIndex: number): string[] {
  const list = huntCandidates(group);
  const n = list.length;
  const start = ((Math.trunc(startIndex) % n) + n) % n;
  return [...list.slice(start), ...list.slice(0, start)];
}

/** The delivery strategy for a hunt over `members` (in the order to try them). */
export function huntDelivery(members: string[]): Extract<Delivery, { kind: 'hunt' }> {
  return {
    kind: 'hunt',
    members,
    allBusy: { status: 486, reason: 'Busy Here' },
    otherwise: { status: 480, reason: 'Temporarily Unavailable' },
  };
}

export class HuntGroupStage implements Stage {
  readonly name = 'hunt-group';

  constructor(private readonly deps: HuntGroupDeps) {}

  async run(call: CallContext): Promise<StageResult> {
    if (call.calledFeatures === undefined) return { kind: 'continue' };
    const group = call.calledGroups ? call.calledGroups.hunt : await this.deps.groupOf(call.calledNumber);
    if (group === null) return { kind: 'continue' };
    const size = huntCandidates(group).length;
    const start = group.mode === 'round-robin' ? await this.deps.nextStartIndex(group.id, size) : 0;
    return { kind: 'retarget', targets: huntOrder(group, start), why: 'hunt' };
  }
}
