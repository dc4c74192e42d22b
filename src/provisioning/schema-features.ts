import { z } from 'zod';
import { intBetween } from '../config/schema.js';
import { defaultFeatures, type ForwardingPattern } from '../features/settings.js';
import { checkForwardingDestination } from '../numbers/forwarding-destination.js';
import { normalizeNumber } from '../numbers/national.js';
import { bool, entries, field, items, quotedString } from './schema-common.js';

/**
 * `features: { "<number>": {...} }` (docs/product.md §4–5). Every field is optional: a
 * field given replaces the stored one, a field left out keeps what is stored
 * (or the default). `null` clears blockAnnouncementUri / specificPresentation.
 * `forwarding` is one unit: given, it replaces the stored forwarding whole,
 * with defaults for the sub-fields it leaves out.
 */

export const MAX_BLOCKED_CALLERS = 30;
export const MAX_DESTINATIONS = 5;
/** Slot 5 holds the bulk-forwarding destination of a bulk group's member, whose own forwarding uses 1–4; other numbers use all five. */
export const BULK_SLOT = 5;
export const MAX_SCHEDULE_ENTRIES = 20;

const SEPARATORS = /[\s\-()]/g;

/** A caller number on the block list: national format, 01–09, at most 11 digits (a prefix of a number is not enough). */
const blockedCaller = quotedString('a caller number').transform((s, ctx) => {
  const n = s.trim().startsWith('+') ? normalizeNumber(s) : s.replace(SEPARATORS, '');
  if (n === null || !/^0[1-9]\d{0,9}$/.test(n)) {
    ctx.addIssue({ code: 'custom', message: 'must be a national number starting 01-09, at most 11 digits', input: s });
    return z.NEVER;
  }
  return n;
});

const tollFree = quotedString('a toll-free number').transform((s, ctx) => {
  const n = s.replace(SEPARATORS, '');
  if (!/^(0120\d{6}|0800\d{7}|0570\d{6})$/.test(n)) {
    ctx.addIssue({ code: 'custom', message: 'must be a toll-free number (0120 or 0570 + 6 digits, 0800 + 7 digits)', input: s });
    return z.NEVER;
  }
  return n;
});

const time = z.string({ error: 'must be a time HH:MM' }).regex(/^([01]\d|2[0-3]):[0-5]\d$/, { error: 'must be a time HH:MM (00:00-23:59)' });

const patternShape = {
  enabled: bool.optional(),
  unconditional: bool.optional(),
  busy: bool.optional(),
  noAnswer: bool.optional(),
  unreachable: bool.optional(),
  ringTime: intBetween(5, 30).optional(),
  active: intBetween(1, 5).optional(),
};

type PatternInput = { [K in keyof typeof patternShape]?: z.output<(typeof patternShape)[K]> };

function fullPattern(p: PatternInput): ForwardingPattern {
  const d = defaultFeatures('').forwarding;
  return {
    enabled: p.enabled ?? d.enabled,
    unconditional: p.unconditional ?? d.unconditional,
    busy: p.busy ?? d.busy,
    noAnswer: p.noAnswer ?? d.noAnswer,
    unreachable: p.unreachable ?? d.unreachable,
    ringTime: p.ringTime ?? d.ringTime,
    active: (p.active ?? d.active) as ForwardingPattern['active'],
  };
}

/** Trigger rules of one pattern (docs/product.md §4.4). */
function checkTriggers(p: ForwardingPattern, ctx: z.RefinementCtx, path: Array<string | number> = []): void {
  const add = (f: string, message: string) => ctx.addIssue({ code: 'custom', path: [...path, f], message });
  if (p.unconditional && (p.busy || p.noAnswer || p.unreachable)) add('unconditional', 'unconditional excludes busy, noAnswer and unreachable');
  if (p.enabled && !p.unconditional && !p.busy && !p.noAnswer && !p.unreachable) {
    add('enabled', 'forwarding on needs a trigger: unconditional, busy, noAnswer or unreachable');
  }
  // Slot 5 is refused only for members of a bulk group: checked against the stored groups when applied.
}

/** An enabled pattern must point at a stored destination. */
function checkActiveSlot(p: unknown, slots: boolean[], ctx: z.RefinementCtx, path: Array<string | number>): void {
  const enabled = field(p, 'enabled');
  const active = field(p, 'active');
  if (enabled !== true || typeof active !== 'number' || !Number.isInteger(active) || active < 1 || active > MAX_DESTINATIONS) return;
  if (!slots[active - 1]) ctx.addIssue({ code: 'custom', path: [...path, 'active'], message: `slot ${active} holds no destination` });
}

const patternSchema = z
  .strictObject(patternShape)
  .transform(fullPattern)
  .superRefine((p, ctx) => checkTriggers(p, ctx));

const scheduleEntry = z.strictObject({
  days: z
    .array(intBetween(0, 6), { error: 'must be a list of days 0-6 (0 = Sunday)' })
    .min(1, { error: 'at least one day' })
    .refine((d) => new Set(d).size === d.length, { error: 'a day is listed twice' }),
  from: time,
  to: time,
  /** `to` is exclusive; from > to spans midnight; from == to is the whole day (src/features/forwarding.ts). */
  pattern: patternSchema,
});

const destination = quotedString('a number or null').max(64, { error: 'at most 64 characters' }).nullable();

const forwardingSchema = z
  .strictObject({
    ...patternShape,
    destinations: z
      .array(destination)
      .max(MAX_DESTINATIONS, { error: `at most ${MAX_DESTINATIONS} destinations (slots 1-5)` })
      .default([]),
    schedule: z
      .array(scheduleEntry)
      .max(MAX_SCHEDULE_ENTRIES, { error: `at most ${MAX_SCHEDULE_ENTRIES} entries` })
      .default([]),
  })
  .superRefine(
    (f, ctx) => {
      // Runs even when some fields are invalid (so every problem is reported at once); reads defensively.
      const given = items(f.destinations);
      const slots = Array.from({ length: MAX_DESTINATIONS }, (_, i) => given[i] !== undefined && given[i] !== null);
      const ok = (k: string, test: (v: unknown) => boolean) => (test(field(f, k)) ? field(f, k) : undefined) as never;
      const isBool = (v: unknown) => typeof v === 'boolean';
      const base = fullPattern({
        enabled: ok('enabled', isBool),
        unconditional: ok('unconditional', isBool),
        busy: ok('busy', isBool),
        noAnswer: ok('noAnswer', isBool),
        unreachable: ok('unreachable', isBool),
        active: ok('active', (v) => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 5),
      });
      checkTriggers(base, ctx);
      checkActiveSlot(base, slots, ctx, []);
      items(f.schedule).forEach((e, i) => checkActiveSlot(field(e, 'pattern'), slots, ctx, ['schedule', i, 'pattern']));
    },
    { when: () => true },
  )
  .transform((f) => ({
    ...fullPattern(f),
    destinations: Array.from({ length: MAX_DESTINATIONS }, (_, i) => f.destinations[i] ?? null),
    schedule: f.schedule,
  }));

export const featuresSchema = z.strictObject({
  blockedCallers: z
    .array(blockedCaller)
    .max(MAX_BLOCKED_CALLERS, { error: `at most ${MAX_BLOCKED_CALLERS} numbers` })
    .superRefine((list, ctx) => {
      list.forEach((n, i) => {
        if (list.indexOf(n) !== i) ctx.addIssue({ code: 'custom', path: [i], message: `duplicate number ${n}` });
      });
    })
    .optional(),
  blockAnnouncementUri: z
    .string({ error: 'must be a sip: or sips: URI' })
    .regex(/^sips?:[^\s<>"]+$/i, { error: 'must be a sip: or sips: URI' })
    .max(256, { error: 'at most 256 characters' })
    .nullable()
    .optional(),
  anonymousRejection: bool.optional(),
  internationalBar: bool.optional(),
  outgoingRestriction: bool.optional(),
  presentation: z.enum(['present', 'withhold'], { error: 'must be present or withhold' }).optional(),
  specificPresentation: z.strictObject({ number: tollFree, enabled: bool }).nullable().optional(),
  forwarding: forwardingSchema.optional(),
  /** Toll-free / navi-dial destinations allowed (a subscribed option; default off). */
  tollFreeForwarding: bool.optional(),
});

export type ProvisionedFeatureInput = z.output<typeof featuresSchema>;

/**
 * Destinations are checked here, where the owning number (the map key) is
 * known: checkForwardingDestination refuses the number itself, among others.
 * Toll-free destinations pass here unless the entry turns the option off:
 * whether the number has it is known only with the stored settings, so
 * `tollFreeIssues()` is checked again when the plan is applied.
 * Reads the input defensively (runs even when other fields are invalid).
 */
export function checkDestinations(features: unknown, ctx: z.RefinementCtx): void {
  for (const [key, f] of entries(features)) {
    const own = normalizeNumber(key) ?? key;
    const tollFree = field(f, 'tollFreeForwarding') !== false;
    items(field(field(f, 'forwarding'), 'destinations')).forEach((d, i) => {
      if (typeof d !== 'string') return;
      const r = checkForwardingDestination(d, own, { tollFree });
      if (!r.ok) ctx.addIssue({ code: 'custom', path: ['features', key, 'forwarding', 'destinations', i], message: r.message });
    });
  }
}

/** The issues (path: message) of an entry's toll-free destinations, raised when the number ends up without the option. */
export function tollFreeIssues(destinations: ReadonlyArray<string | null>, own: string, path: string): string[] {
  return destinations.flatMap((d, i) => {
    if (d === null) return [];
    const without = checkForwardingDestination(d, own);
    if (without.ok || !checkForwardingDestination(d, own, { tollFree: true }).ok) return [];
    return [`${path}.forwarding.destinations[${i}]: ${without.message}`];
  });
}

/** Paths of the `active` fields of a forwarding setting (base and schedule) that use slot 5. */
export function slot5Paths(forwarding: { active: number; schedule: ReadonlyArray<{ pattern: { active: number } }> }, path: string): string[] {
  return [
    ...(forwarding.active === BULK_SLOT ? [`${path}.forwarding.active`] : []),
    ...forwarding.schedule.flatMap((e, i) => (e.pattern.active === BULK_SLOT ? [`${path}.forwarding.schedule[${i}].pattern.active`] : [])),
  ];
}

/** The stored destination list: 5 slots, each normalized (validated before). */
export function normalizeDestinations(destinations: Array<string | null>, own: string): Array<string | null> {
  return Array.from({ length: MAX_DESTINATIONS }, (_, i) => {
    const d = destinations[i];
    if (d === undefined || d === null) return null;
    const r = checkForwardingDestination(d, own, { tollFree: true });
    return r.ok ? r.number : d;
  });
}
