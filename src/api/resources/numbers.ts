import { z } from 'zod';
import { FEATURE_FIELDS, FeatureStore, serviceMonths, type FeatureField } from '../../store/feature-store.js';
import { featuresSchema } from '../../provisioning/schema-features.js';
import { allowed, canView, isContractAction, type Action } from '../accounts/roles.js';
import { FIELD_OPTION, sortedOptions, type OptionName } from '../../features/options.js';
import { noView, refusal } from '../scope.js';
import { badRequest, forbidden, notFound } from '../errors.js';
import { checkIfMatch, etagOf } from '../etag.js';
import type { ResourceModule } from '../server.js';
import { applyChange } from './provisioning-change.js';
import { changedFields, FIELD_ACTIONS, numberParam, numberViewSchema, readNumber, visibleTo, type NumberView } from './number-view.js';

const numberParams = z.object({ number: z.string().describe('national (0312345678), hyphenated or E.164 form') });

/**
 * The PATCH body is checked by the provisioning schema (one validation for
 * the API and provisioning files, every problem reported at once), so the
 * edge accepts any object and documents that schema.
 */
const patchDoc = z.toJSONSchema(featuresSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
delete patchDoc.$schema;
const patchBody = z.record(z.string(), z.unknown()).meta({
  ...patchDoc,
  description:
    'Feature fields to change; fields left out keep their value. null clears blockAnnouncementUri / specificPresentation. ' +
    'forwarding sub-fields left out keep their stored value (destinations and schedule are replaced whole when given).',
});

/** Numbers and their features (docs/product.md §4–5): read, change per field within the role's rights, nuisance counters. */
export const numbersResource: ResourceModule = (api) => {
  api.define({
    method: 'GET',
    url: '/numbers/:number',
    tag: 'numbers',
    summary: 'A number: its line, site, voice group and every feature (ETag)',
    params: numberParams,
    response: numberViewSchema,
    handler: async ({ params, actor }, reply) => {
      const number = numberParam(params.number);
      await api.scopes.authorize(actor, 'read', 'number', await api.scopes.ofNumber(number));
      const view = await readNumber(api.redis, number);
      if (!view) throw notFound('number');
      // The ETag is the whole number's, so a narrowed reader's If-Match matches the writers' check.
      reply.header('ETag', etagOf(view));
      return visibleTo(actor, view);
    },
  });

  api.define({
    method: 'PATCH',
    url: '/numbers/:number/features',
    tag: 'numbers',
    summary: 'Change some features of a number (If-Match required); each field needs its role right',
    params: numberParams,
    body: patchBody,
    response: numberViewSchema,
    handler: async ({ params, body, actor, ifMatch }, reply) => {
      const number = numberParam(params.number);
      const scope = await api.scopes.authorize(actor, 'read', 'number', await api.scopes.ofNumber(number));
      const fields = Object.keys(body);
      const unknown = fields.filter((f) => !(FEATURE_FIELDS as readonly string[]).includes(f));
      if (unknown.length)
        throw badRequest(
          'invalid body',
          unknown.map((f) => `${f}: unknown field`),
        );
      if (!fields.length) throw badRequest('invalid body', ['(body): give at least one feature field']);
      const { before, after } = await api.writer.run(async (r) => {
        const current = await readNumber(r, number);
        if (!current) throw notFound('number');
        checkIfMatch(ifMatch, current);
        // All or nothing: one field the role may not change refuses the whole request.
        const refused = fieldActions(body, current).filter((a) => !allowed(actor, a, scope));
        if (refused.some(isContractAction)) throw refusal(refused.find(isContractAction)!);
        if (refused.length) throw forbidden(`your role or rights may not change ${refused.join(', ')} here`);
        // Customers configure only the options the number has; the operator may prepare any.
        const missing = optionsNeeded(body, current).filter((o) => !current.options.subscribed.includes(o));
        if (actor.role !== 'operator' && missing.length) throw notSubscribed(number, missing);
        // One provisioning apply: validation and an all-or-nothing write; its issues name the body's fields.
        await applyChange(api, r, { features: { [number]: mergeForwarding(body, current) } }, `features.${number}`, '(body)');
        return { before: current, after: (await readNumber(r, number))! };
      });
      const diff = changedFields(before.features, after.features);
      if (diff) {
        await api.history.record(actor, {
          target: { kind: 'number', id: number },
          siteId: after.siteId,
          voiceGroupId: after.voiceGroupId,
          action: 'update-features',
          ...diff,
        });
        api.log.info({ event: 'api.features_changed', number, account: actor.name, fields: Object.keys(diff.after) }, 'number features changed');
      }
      reply.header('ETag', etagOf(after));
      return visibleTo(actor, after);
    },
  });

  api.define({
    method: 'GET',
    url: '/numbers/:number/nuisance-counts',
    tag: 'numbers',
    summary: 'Nuisance-call rejections this month and last month (service time zone)',
    params: numberParams,
    response: z.object({
      number: z.string(),
      thisMonth: z.number().int(),
      lastMonth: z.number().int(),
      months: z.object({ thisMonth: z.string().describe('YYYY-MM'), lastMonth: z.string().describe('YYYY-MM') }),
    }),
    handler: async ({ params, actor }) => {
      const number = numberParam(params.number);
      await api.scopes.authorize(actor, 'read', 'number', await api.scopes.ofNumber(number));
      if (!canView(actor, 'nuisance')) throw noView('nuisance');
      const now = new Date(api.now());
      const counts = await new FeatureStore(api.redis).nuisanceCounts(number, now, api.config.timeZone);
      return { number, ...counts, months: serviceMonths(now, api.config.timeZone) };
    },
  });
};

/**
 * The right each field of the body needs. The specific-presentation number
 * is a contract item: setting, changing or clearing it is the operator's;
 * switching the contracted number on or off is the customer's.
 */
export function fieldActions(body: Record<string, unknown>, current: NumberView): Action[] {
  const actions = Object.keys(body).map((f): Action => {
    if (f !== 'specificPresentation') return FIELD_ACTIONS[f as FeatureField];
    const asked = body.specificPresentation as { number?: unknown } | null;
    const stored = current.features.specificPresentation;
    const askedNumber = typeof asked?.number === 'string' ? asked.number.replace(/\D/g, '') : undefined;
    return stored !== null && askedNumber === stored.number ? 'specific-presentation' : 'specific-presentation-number';
  });
  return [...new Set(actions)];
}

/**
 * The options a PATCH body changes (docs/product.md §4.6): a field whose value
 * differs from the stored one needs its option; forwarding needs
 * scheduled-forwarding for its schedule, bulk-forwarding for slot 5 of a
 * bulk-group member (anyone else's slot 5 is its own forwarding) and
 * forwarding for the rest.
 */
export function optionsNeeded(body: Record<string, unknown>, current: NumberView): OptionName[] {
  const merged = mergeForwarding(body, current);
  const out = new Set<OptionName>();
  const differs = (a: unknown, b: unknown) => JSON.stringify(a ?? null) !== JSON.stringify(b ?? null);
  for (const [field, value] of Object.entries(merged)) {
    if (field === 'forwarding' && value !== null && typeof value === 'object') {
      const { schedule, destinations, ...pattern } = value as Record<string, unknown>;
      const { schedule: storedSchedule, destinations: storedDestinations, ...storedPattern } = current.features.forwarding;
      const slots = Array.isArray(destinations) ? destinations : storedDestinations;
      if (differs(schedule, storedSchedule)) out.add('scheduled-forwarding');
      if (differs(slots[4], storedDestinations[4])) out.add(current.options.slot5Option);
      if (differs(slots.slice(0, 4), storedDestinations.slice(0, 4))) out.add('forwarding');
      if (Object.entries(pattern).some(([k, v]) => differs(v, (storedPattern as Record<string, unknown>)[k]))) out.add('forwarding');
      continue;
    }
    const option = FIELD_OPTION[field as keyof typeof FIELD_OPTION];
    if (option && differs(value, current.features[field as FeatureField])) out.add(option);
  }
  return sortedOptions(out);
}

/** 403 for a customer configuring an option the number does not have. */
export function notSubscribed(number: string, options: readonly OptionName[]) {
  return forbidden(`${number} has not subscribed ${options.join(', ')}; options are contract items: order them from your carrier`);
}

/** PATCH semantics for forwarding: sub-fields given replace the stored ones, the others are kept. */
function mergeForwarding(body: Record<string, unknown>, current: NumberView): Record<string, unknown> {
  const f = body.forwarding;
  if (f === null || typeof f !== 'object' || Array.isArray(f)) return body;
  return { ...body, forwarding: { ...current.features.forwarding, ...f } };
}
