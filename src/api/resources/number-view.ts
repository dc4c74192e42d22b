import type { Redis } from 'ioredis';
import { z } from 'zod';
import { FEATURE_FIELDS, FeatureStore, type FeatureField } from '../../store/feature-store.js';
import type { ForwardingSettings, NumberFeatures } from '../../features/settings.js';
import { isNationalNumber, normalizeNumber } from '../../numbers/national.js';
import { LineStore } from '../../store/line-store.js';
import { SubscriptionStore } from '../../store/subscription-store.js';
import { FIELD_OPTION, OPTIONS, sortedOptions, subscriptionsOf, type OptionName, type Subscriptions } from '../../features/options.js';
import { canView, isFunction, roleMaximum, type Action, type Actor } from '../accounts/roles.js';
import { badRequest } from '../errors.js';

/**
 * A number as the API shows it: where it lives and every feature setting,
 * with the optional settings as explicit nulls so the `features` object can
 * be sent back as a PATCH body unchanged.
 */
export interface NumberView {
  number: string;
  kind: 'basic' | 'dial-in';
  sipId: string;
  siteId: string;
  voiceGroupId: string;
  features: FeaturesView;
  options: OptionsView;
}

/** What the number has subscribed (docs/product.md §4.6), and the records it comes from. */
export interface OptionsView {
  /** The options the number has: the union of both records, or every option when it has neither (`legacy`). */
  subscribed: OptionName[];
  legacy: boolean;
  /** The number's own record; null when it has none. */
  number: OptionName[] | null;
  /** Its site's record; null when the site has none. */
  site: OptionName[] | null;
  /** Feature fields (and `forwarding.schedule`, `forwarding.destinations[4]`: slot 5) whose option the number has not subscribed: customers may not change them. */
  lockedFields: string[];
  /** The option slot 5 belongs to: bulk forwarding for a bulk-group member, the number's own forwarding otherwise (docs/product.md §4.4). */
  slot5Option: OptionName;
}

export type FeaturesView = Omit<NumberFeatures, 'number' | 'blockAnnouncementUri' | 'specificPresentation'> & {
  blockAnnouncementUri: string | null;
  specificPresentation: { number: string; enabled: boolean } | null;
};

/** Which role right each feature field needs (docs/product.md §6: number users only forwarding, nuisance, anonymous, presentation). */
export const FIELD_ACTIONS: Record<FeatureField, Action> = {
  blockedCallers: 'nuisance',
  blockAnnouncementUri: 'nuisance',
  anonymousRejection: 'anonymous-rejection',
  presentation: 'presentation',
  forwarding: 'forwarding',
  internationalBar: 'international-bar',
  outgoingRestriction: 'outgoing-restriction',
  specificPresentation: 'specific-presentation',
  // A subscribed option, like the lines themselves: the operator's (contract).
  tollFreeForwarding: 'line',
};

/** The number as `actor` may see it: fields of a function it holds no right on ("none") left out. */
export function visibleTo(actor: Actor, view: NumberView): Omit<NumberView, 'features'> & { features: Partial<FeaturesView> } {
  const features: Partial<FeaturesView> = { ...view.features };
  for (const f of FEATURE_FIELDS) {
    const fn = FIELD_ACTIONS[f];
    if (isFunction(fn) && !canView(actor, fn)) delete features[f];
  }
  return { ...view, features };
}

/** The feature fields the actor's role may change (its maximum) and the actor may view. */
export function shownFeatureFields(actor: Actor): FeatureField[] {
  return FEATURE_FIELDS.filter((f) => {
    const fn = FIELD_ACTIONS[f];
    return isFunction(fn) && roleMaximum(actor.role, fn) === 'edit' && canView(actor, fn);
  });
}

/** The feature fields a holder of these role rights may change. */
export function editableFeatureFields(actions: readonly Action[]): FeatureField[] {
  return FEATURE_FIELDS.filter((f) => actions.includes(FIELD_ACTIONS[f]));
}

export function featuresView(f: NumberFeatures): FeaturesView {
  const { number: _n, blockAnnouncementUri, specificPresentation, ...rest } = f;
  return { ...rest, blockAnnouncementUri: blockAnnouncementUri ?? null, specificPresentation: specificPresentation ?? null };
}

/** The number with its line, site, voice group and features; null when it is not one of ours. */
export async function readNumber(redis: Redis, number: string): Promise<NumberView | null> {
  const num = await new FeatureStore(redis).numberWithFeatures(number);
  if (!num) return null;
  const line = await new LineStore(redis).get(num.sipId);
  if (!line) return null;
  const records = await new SubscriptionStore(redis).records(number, line.siteId);
  const subs = subscriptionsOf(records.number, records.site);
  const slot5Option: OptionName = (await new FeatureStore(redis).bulkGroupOf(number)) ? 'bulk-forwarding' : 'forwarding';
  return {
    number,
    kind: num.kind,
    sipId: line.sipId,
    siteId: line.siteId,
    voiceGroupId: line.voiceGroupId,
    features: featuresView(num.features),
    options: {
      subscribed: sortedOptions(subs.options),
      legacy: subs.legacy,
      number: records.number,
      site: records.site,
      lockedFields: lockedFields(subs, slot5Option),
      slot5Option,
    },
  };
}

function lockedFields(subs: Subscriptions, slot5Option: OptionName): string[] {
  const out: string[] = FEATURE_FIELDS.filter((f) => {
    const option = FIELD_OPTION[f];
    return option !== undefined && !subs.options.has(option);
  });
  if (!subs.options.has('scheduled-forwarding')) out.push('forwarding.schedule');
  if (!subs.options.has(slot5Option)) out.push('forwarding.destinations[4]');
  return out;
}

/** Every number of a site (basic and dial-in of each line), sorted. */
export async function siteNumbers(redis: Redis, siteId: string): Promise<string[]> {
  const lines = new LineStore(redis);
  const out: string[] = [];
  for (const sipId of await lines.listBySite(siteId)) {
    const line = await lines.get(sipId);
    if (line) out.push(line.basicNumber, ...line.dialInNumbers);
  }
  return out.filter((n) => n !== '').sort();
}

/** Forwarding of several numbers in one round trip. */
export async function readForwarding(redis: Redis, numbers: readonly string[]): Promise<Map<string, ForwardingSettings>> {
  return new FeatureStore(redis).forwardingOf(numbers);
}

/** The path parameter as a stored number, or 400. */
export function numberParam(input: string): string {
  const n = normalizeNumber(input);
  if (n === null || !isNationalNumber(n)) throw badRequest('invalid path', ['number: not a national number (0 + 9 or 10 digits)']);
  return n;
}

/** The top-level feature fields whose value differs, as before/after halves for the settings history. */
export function changedFields(before: FeaturesView, after: FeaturesView): { before: Record<string, unknown>; after: Record<string, unknown> } | null {
  const b: Record<string, unknown> = {};
  const a: Record<string, unknown> = {};
  for (const f of FEATURE_FIELDS) {
    if (JSON.stringify(before[f]) === JSON.stringify(after[f])) continue;
    b[f] = before[f];
    a[f] = after[f];
  }
  return Object.keys(a).length ? { before: b, after: a } : null;
}

const pattern = {
  enabled: z.boolean(),
  unconditional: z.boolean(),
  busy: z.boolean(),
  noAnswer: z.boolean(),
  unreachable: z.boolean(),
  ringTime: z.number().int().min(5).max(30),
  active: z.number().int().min(1).max(5),
};

export const featuresViewSchema = z.object({
  blockedCallers: z.array(z.string()),
  blockAnnouncementUri: z.string().nullable(),
  anonymousRejection: z.boolean(),
  internationalBar: z.boolean(),
  outgoingRestriction: z.boolean(),
  presentation: z.enum(['present', 'withhold']),
  specificPresentation: z.object({ number: z.string(), enabled: z.boolean() }).nullable(),
  tollFreeForwarding: z.boolean().describe('may forward to 0120 / 0800 / 0570 (a subscribed option; operator only)'),
  forwarding: z.object({
    ...pattern,
    destinations: z.array(z.string().nullable()).length(5),
    schedule: z.array(z.object({ days: z.array(z.number().int()), from: z.string(), to: z.string(), pattern: z.object(pattern) })),
  }),
});

const optionList = z.array(z.enum(OPTIONS));

export const optionsViewSchema = z.object({
  subscribed: optionList.describe("the options the number has: its own and its site's, or every option when neither has a record (legacy)"),
  legacy: z.boolean().describe('neither the number nor its site has a subscription record: the number keeps every option'),
  number: optionList.nullable().describe("the number's own record"),
  site: optionList.nullable().describe("its site's record"),
  lockedFields: z
    .array(z.string())
    .describe('feature fields (and forwarding.schedule, forwarding.destinations[4]) whose option the number has not subscribed: customers may not change them'),
  slot5Option: z
    .enum(OPTIONS)
    .describe("the option slot 5 belongs to: bulk-forwarding for a bulk-group member, forwarding otherwise (the number's own fifth slot)"),
});

export const numberViewSchema = z.object({
  number: z.string(),
  kind: z.enum(['basic', 'dial-in']),
  sipId: z.string(),
  siteId: z.string(),
  voiceGroupId: z.string(),
  // Fields of a function the account may not view ("none") are left out.
  features: featuresViewSchema.partial(),
  options: optionsViewSchema,
});
