import type { Redis } from 'ioredis';
import { z } from 'zod';
import { FEATURE_FIELDS, FeatureStore, type FeatureField } from '../../store/feature-store.js';
import type { ForwardingSettings, NumberFeatures } from '../../features/settings.js';
import { isNationalNumber, normalizeNumber } from '../../numbers/national.js';
import { LineStore } from '../../store/line-store.js';
import type { Action } from '../accounts/roles.js';
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
  return {
    number,
    kind: num.kind,
    sipId: line.sipId,
    siteId: line.siteId,
    voiceGroupId: line.voiceGroupId,
    features: featuresView(num.features),
  };
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

export const numberViewSchema = z.object({
  number: z.string(),
  kind: z.enum(['basic', 'dial-in']),
  sipId: z.string(),
  siteId: z.string(),
  voiceGroupId: z.string(),
  features: featuresViewSchema,
});
