/**
 * Subscribed options (docs/product.md §4.6), pure. Paid options are switched
 * on per number or per site by the operator; a call treats an option the
 * number has not subscribed as switched off, whatever its stored settings say,
 * so the settings survive an unsubscription and the stages never look at
 * subscriptions themselves.
 */
import type { NumberFeatures } from './settings.js';

export const OPTIONS = [
  'nuisance-blocking',
  'anonymous-rejection',
  'international-bar',
  'forwarding',
  'scheduled-forwarding',
  'bulk-forwarding',
  'specific-presentation',
  'hunt-group',
] as const;
export type OptionName = (typeof OPTIONS)[number];

export function isOption(value: unknown): value is OptionName {
  return typeof value === 'string' && (OPTIONS as readonly string[]).includes(value);
}

/**
 * What a number has subscribed. `legacy`: neither the number nor its site has a
 * subscription record (provisioned before subscriptions existed): it keeps every
 * option, as it had them, until the operator records its options.
 */
export interface Subscriptions {
  options: ReadonlySet<OptionName>;
  legacy: boolean;
}

/** The number's own record and its site's record (null: none); the number has their union. */
export function subscriptionsOf(numberRecord: readonly OptionName[] | null, siteRecord: readonly OptionName[] | null): Subscriptions {
  if (numberRecord === null && siteRecord === null) return { options: new Set(OPTIONS), legacy: true };
  return { options: new Set([...(numberRecord ?? []), ...(siteRecord ?? [])]), legacy: false };
}

/** Options in the service's order (stable output, stable ETags). */
export function sortedOptions(options: Iterable<OptionName>): OptionName[] {
  const set = new Set(options);
  return OPTIONS.filter((o) => set.has(o));
}

/** The settings a call acts on: every option the number has not subscribed is off. Stored settings are untouched. */
export function effectiveFeatures(stored: NumberFeatures, subs: Subscriptions): NumberFeatures {
  const has = (o: OptionName) => subs.options.has(o);
  const f: NumberFeatures = { ...stored, forwarding: { ...stored.forwarding } };
  if (!has('nuisance-blocking')) {
    f.blockedCallers = [];
    delete f.blockAnnouncementUri;
  }
  if (!has('anonymous-rejection')) f.anonymousRejection = false;
  if (!has('international-bar')) f.internationalBar = false;
  // Bulk forwarding reads slot 5 of the destinations: they stay, whatever the number's own forwarding.
  if (!has('forwarding')) {
    f.forwarding.enabled = false;
    f.forwarding.schedule = [];
  }
  if (!has('scheduled-forwarding')) f.forwarding.schedule = [];
  if (!has('specific-presentation') && f.specificPresentation) f.specificPresentation = { ...f.specificPresentation, enabled: false };
  return f;
}

/**
 * Options subscribed by this change (the operator's record replaced the
 * number's), which start in the service's default state. Becoming legacy
 * subscribes nothing new: a number without records keeps what it had.
 */
export function newlySubscribed(before: Subscriptions | null, after: Subscriptions): OptionName[] {
  if (after.legacy) return [];
  return sortedOptions([...after.options].filter((o) => !before?.options.has(o)));
}

/**
 * The feature fields an option starts with when it is newly subscribed
 * (the manual's default state; anonymous rejection: reject). `undefined`
 * clears an optional field. Only the fields the options own are returned.
 */
export function subscribedDefaults(stored: NumberFeatures, options: readonly OptionName[]): Partial<NumberFeatures> {
  const out: Partial<NumberFeatures> = {};
  const has = (o: OptionName) => options.includes(o);
  if (has('nuisance-blocking')) {
    out.blockedCallers = [];
    out.blockAnnouncementUri = undefined;
  }
  if (has('anonymous-rejection')) out.anonymousRejection = true;
  if (has('international-bar')) out.internationalBar = false;
  if (has('forwarding') || has('scheduled-forwarding')) {
    const fw = { ...stored.forwarding };
    if (has('forwarding')) {
      Object.assign(fw, { enabled: false, unconditional: false, busy: false, noAnswer: false, unreachable: false, ringTime: 15, active: 1 });
      // Slots 1-4 are the number's own; slot 5 belongs to bulk forwarding.
      fw.destinations = [null, null, null, null, stored.forwarding.destinations[4] ?? null];
    }
    if (has('scheduled-forwarding')) fw.schedule = [];
    out.forwarding = fw;
  }
  if (has('specific-presentation') && stored.specificPresentation) out.specificPresentation = { ...stored.specificPresentation, enabled: false };
  return out;
}

/** Which option a feature field belongs to; fields that are no option (presentation, outgoing restriction) are not listed. */
export const FIELD_OPTION: Partial<Record<keyof NumberFeatures, OptionName>> = {
  blockedCallers: 'nuisance-blocking',
  blockAnnouncementUri: 'nuisance-blocking',
  anonymousRejection: 'anonymous-rejection',
  internationalBar: 'international-bar',
  forwarding: 'forwarding',
  specificPresentation: 'specific-presentation',
};
