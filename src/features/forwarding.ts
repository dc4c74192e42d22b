/**
 * Call-forwarding decisions (docs/product.md §4.4), pure. The forwarding stage
 * (stages/forwarding.ts) uses the unconditional trigger before the line is
 * rung, and the others (busy / no answer / unreachable) after the offer
 * to the line failed.
 *
 * Which pattern applies, highest first:
 * 1. bulk forwarding: while the number's bulk group is `started`, unconditional
 *    to the slot-5 destination the number had when the group started (frozen
 *    by the start operation, so slot-5 changes made meanwhile wait for the
 *    stop; a group set started without the operation, by a provisioning file,
 *    has nothing frozen and uses slot 5 as it is). A member without a slot-5
 *    destination then keeps its normal behaviour. `starting` / `stopping` are
 *    transitions of the group operation and do not yet / no longer apply.
 * 2. the first weekly-schedule entry matching the weekday and time of day in
 *    the service time zone;
 * 3. the number's base pattern.
 */
import type { CallContext, DiversionReason } from './call-context.js';
import type { BulkGroup, ForwardingPattern, ForwardingSettings, NumberFeatures, ScheduleEntry } from './settings.js';
import { isTollFreeNumber } from '../numbers/forwarding-destination.js';
import { normalizeNumber } from '../numbers/national.js';
import { forwardBarred } from './stages/international-bar.js';

export type ForwardTrigger = 'unconditional' | 'busy' | 'no-answer' | 'unreachable';

export type ForwardDecision =
  | { kind: 'forward'; to: string; reason: DiversionReason }
  | { kind: 'none' }
  | { kind: 'refused'; why: 'loop' | 'limit' | 'barred' | 'no destination' | 'not subscribed' };

export interface ForwardingContext {
  now: Date;
  timeZone: string;
  /** The bulk group the forwarding number belongs to, if any. */
  bulk: BulkGroup | null;
  /**
   * The number's slot-5 destination frozen when its started group started:
   * null when it had none; undefined when nothing was frozen (slot 5 as it is).
   */
  bulkDestination?: string | null;
}

/** A call is forwarded at most this many times. */
export const MAX_FORWARDS = 5;
/** Slot 5 (index 4) is reserved for bulk forwarding in a bulk group's members. */
export const BULK_SLOT = 5;
export const MIN_RING_TIME = 5;
export const MAX_RING_TIME = 30;

const DIVERSION: Record<ForwardTrigger, DiversionReason> = {
  unconditional: 'unconditional',
  busy: 'user-busy',
  'no-answer': 'no-answer',
  unreachable: 'unavailable',
};

export function diversionReason(trigger: ForwardTrigger): DiversionReason {
  return DIVERSION[trigger];
}

const clockFormatters = new Map<string, Intl.DateTimeFormat>();

/** Weekday (0 = Sunday) and minutes since midnight of `now` in `timeZone`. */
export function localClock(now: Date, timeZone: string): { day: number; minutes: number } {
  let f = clockFormatters.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', weekday: 'short', hour: '2-digit', minute: '2-digit' });
    clockFormatters.set(timeZone, f);
  }
  const parts = Object.fromEntries(f.formatToParts(now).map((p) => [p.type, p.value]));
  const day = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(parts.weekday ?? '');
  return { day, minutes: Number(parts.hour) * 60 + Number(parts.minute) };
}

function toMinutes(hhmm: string): number {
  const m = /^(\d{1,2}):(\d{2})$/.exec(hhmm);
  if (m === null) return NaN;
  return Number(m[1]) * 60 + Number(m[2]);
}

/**
 * Whether a schedule entry covers this moment. `to` is exclusive; `from > to`
 * spans midnight and belongs to the day it starts on (Fri 22:00–06:00 covers
 * Saturday 05:59); `from == to` covers the whole day.
 */
export function scheduleMatches(entry: ScheduleEntry, day: number, minutes: number): boolean {
  const from = toMinutes(entry.from);
  const to = toMinutes(entry.to);
  if (Number.isNaN(from) || Number.isNaN(to)) return false;
  const today = entry.days.includes(day);
  if (from === to) return today;
  if (from < to) return today && minutes >= from && minutes < to;
  const yesterday = entry.days.includes((day + 6) % 7);
  return (today && minutes >= from) || (yesterday && minutes < to);
}

function basePattern(s: ForwardingSettings): ForwardingPattern {
  return {
    enabled: s.enabled,
    unconditional: s.unconditional,
    busy: s.busy,
    noAnswer: s.noAnswer,
    unreachable: s.unreachable,
    ringTime: s.ringTime,
    active: s.active,
  };
}

export function effectivePattern(settings: ForwardingSettings, now: Date, timeZone: string): ForwardingPattern {
  if (settings.schedule.length === 0) return basePattern(settings);
  const { day, minutes } = localClock(now, timeZone);
  const entry = settings.schedule.find((e) => scheduleMatches(e, day, minutes));
  return entry === undefined ? basePattern(settings) : entry.pattern;
}

function destination(features: NumberFeatures, slot: number): string | undefined {
  const d = features.forwarding.destinations[slot - 1];
  return d === null || d === undefined || d.trim() === '' ? undefined : d;
}

/** While the member's bulk group is started: unconditional to its slot-5 destination (frozen at the start, if it was); else null. */
export function bulkOverride(
  group: BulkGroup | null,
  features: NumberFeatures,
  frozen?: string | null,
): { pattern: ForwardingPattern; destination: string } | null {
  if (group === null || group.state !== 'started' || !group.members.includes(features.number)) return null;
  const to = frozen === undefined ? destination(features, BULK_SLOT) : (frozen ?? undefined);
  if (to === undefined || to.trim() === '') return null;
  const pattern: ForwardingPattern = {
    enabled: true,
    unconditional: true,
    busy: false,
    noAnswer: false,
    unreachable: false,
    ringTime: features.forwarding.ringTime,
    active: BULK_SLOT,
  };
  return { pattern, destination: to };
}

/** The pattern in force and where its active slot points. */
function patternFor(features: NumberFeatures, ctx: ForwardingContext): { pattern: ForwardingPattern; destination: string | undefined } {
  const bulk = bulkOverride(ctx.bulk, features, ctx.bulkDestination);
  if (bulk !== null) return bulk;
  const pattern = effectivePattern(features.forwarding, ctx.now, ctx.timeZone);
  return { pattern, destination: destination(features, pattern.active) };
}

function fires(p: ForwardingPattern, trigger: ForwardTrigger): boolean {
  if (!p.enabled) return false;
  // Unconditional excludes the others (docs/product.md §4.4).
  if (trigger === 'unconditional') return p.unconditional;
  if (p.unconditional) return false;
  return trigger === 'busy' ? p.busy : trigger === 'no-answer' ? p.noAnswer : p.unreachable;
}

const norm = (n: string): string => normalizeNumber(n) ?? n;

/**
 * Where a call to `features.number` goes when `trigger` happens.
 * `none`: forwarding does not apply (deliver / fail as usual).
 * `refused`: forwarding applies but must not happen (chain limit, loop,
 * international bar, empty active slot, a toll-free destination without the
 * number's toll-free forwarding option); the call is treated as not forwarded.
 */
export function forwardTarget(features: NumberFeatures, trigger: ForwardTrigger, call: CallContext, ctx: ForwardingContext): ForwardDecision {
  const { pattern, destination: raw } = patternFor(features, ctx);
  if (!fires(pattern, trigger)) return { kind: 'none' };
  if (raw === undefined) return { kind: 'refused', why: 'no destination' };
  const to = norm(raw);
  // Checked when set too; here again, for an option given up since.
  if (isTollFreeNumber(to) && !features.tollFreeForwarding) return { kind: 'refused', why: 'not subscribed' };
  if (call.forwards.length >= MAX_FORWARDS) return { kind: 'refused', why: 'limit' };
  const seen = new Set<string>([norm(call.calledNumber), norm(features.number)]);
  for (const hop of call.forwards) {
    seen.add(norm(hop.from));
    seen.add(norm(hop.to));
  }
  if (seen.has(to)) return { kind: 'refused', why: 'loop' };
  if (forwardBarred(features, to)) return { kind: 'refused', why: 'barred' };
  return { kind: 'forward', to, reason: diversionReason(trigger) };
}

/**
 * Ring time in ms before no-answer forwarding, when it is active; else
 * undefined (ring until the caller or the line gives up). With `call`, also
 * undefined when the forward would be refused (loop, limit, bar, empty slot),
 * so a ringing line is never cancelled for a forward that cannot happen.
 */
export function ringTimeout(features: NumberFeatures, ctx: ForwardingContext, call?: CallContext): number | undefined {
  const { pattern } = patternFor(features, ctx);
  if (!fires(pattern, 'no-answer')) return undefined;
  if (call !== undefined && forwardTarget(features, 'no-answer', call, ctx).kind !== 'forward') return undefined;
  const seconds = Math.min(MAX_RING_TIME, Math.max(MIN_RING_TIME, pattern.ringTime));
  return seconds * 1000;
}
