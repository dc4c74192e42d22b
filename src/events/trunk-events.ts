import { randomUUID } from 'node:crypto';
import type { Log } from '../log.js';

/**
 * Trunk and peer state changes (docs/product.md §8): a registering line's
 * first binding appearing or its last going away, an IP trunk, peer or route
 * target answering OPTIONS again or no longer. Each change is logged once
 * (`trunk.state` / `peer.state`), counted, and handed to the listeners (the
 * webhook). Exactly one node reports each change: the one whose write made it.
 */
export type LineState = 'registered' | 'not registered';
export type TargetState = 'up' | 'down';

/** Why a registering line changed: a REGISTER added its first binding, removed its last, or the last one expired. */
export type LineChangeReason = 'registered' | 'removed' | 'expired';

export type TrunkStateChange =
  | { event: 'trunk.state'; sipId: string; state: LineState; previous: LineState; reason: LineChangeReason }
  /** An IP-authenticated line, watched with OPTIONS. */
  | { event: 'trunk.state'; sipId: string; state: TargetState; previous: TargetState; reason: 'options'; target: string; status?: number }
  /** An interconnect peer or an outbound/emergency route target, watched with OPTIONS. */
  | {
      event: 'peer.state';
      kind: 'peer' | 'route';
      name: string;
      state: TargetState;
      previous: TargetState;
      reason: 'options';
      target: string;
      status?: number;
    };

/** A change as delivered: with its time, the reporting node and an id the receiver can de-duplicate retries with. */
export type TrunkStateEvent = TrunkStateChange & { id: string; at: string; node: string };

export type TrunkEventListener = (event: TrunkStateEvent) => void;

/** Counts per event and state, e.g. counts['trunk.state']['not registered']: for a metric to read. */
export type TrunkEventCounts = Record<TrunkStateChange['event'], Record<string, number>>;

export class TrunkEvents {
  readonly counts: TrunkEventCounts = { 'trunk.state': {}, 'peer.state': {} };
  private readonly listeners: TrunkEventListener[] = [];

  constructor(
    private readonly log: Log,
    private readonly nodeId: string,
    private readonly now: () => number = Date.now,
  ) {}

  /** Listeners run synchronously and must not block; a listener that throws is logged and skipped. */
  onEvent(listener: TrunkEventListener): void {
    this.listeners.push(listener);
  }

  report(change: TrunkStateChange): void {
    const event: TrunkStateEvent = { ...change, id: randomUUID(), at: new Date(this.now()).toISOString(), node: this.nodeId };
    const byState = this.counts[change.event];
    byState[change.state] = (byState[change.state] ?? 0) + 1;
    const { id: _id, at: _at, node: _node, ...fields } = event;
    const subject = change.event === 'peer.state' ? `${change.kind} ${change.name}` : `line ${change.sipId}`;
    const level = change.state === 'down' || change.state === 'not registered' ? 'warn' : 'info';
    this.log[level](fields, `${subject}: ${change.previous} -> ${change.state} (${change.reason})`);
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (err) {
        this.log.error({ event: 'events.listener_failed', of: change.event, err }, 'a trunk-state listener failed');
      }
    }
  }
}
