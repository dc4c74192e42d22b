import { z } from 'zod';
import type { Redis } from 'ioredis';
import { OPTIONS, type OptionName } from '../../features/options.js';
import type { Actor } from '../accounts/roles.js';
import { SubscriptionStore } from '../../store/subscription-store.js';
import { checkIfMatch, etagOf } from '../etag.js';
import { forbidden, notFound } from '../errors.js';
import type { ResourceModule } from '../server.js';
import { numberParam, numberViewSchema, readNumber, visibleTo } from './number-view.js';
import { applyChange } from './provisioning-change.js';

/**
 * Option subscriptions (docs/product.md §4.6): which paid options a number or
 * a whole site has. Contract items: only the operator changes them (customers
 * get 403 naming the contract item); everyone reads them in their scope (a
 * number's are in GET /numbers/{n}). Written as a provisioning document, so
 * an option gained starts in its default state, as from a file.
 */

/** Which of `numbers` have not subscribed `option`. */
export async function lacking(r: Redis, numbers: readonly string[], option: OptionName): Promise<string[]> {
  const store = new SubscriptionStore(r);
  const subs = await Promise.all(numbers.map((n) => store.of(n)));
  return numbers.filter((_, i) => !subs[i]!.options.has(option));
}

/** Customers configure only options their numbers have (the operator may prepare any): 403 naming the numbers otherwise. */
export async function requireSubscribed(r: Redis, actor: Actor, numbers: readonly string[], option: OptionName): Promise<void> {
  if (actor.role === 'operator') return;
  const missing = await lacking(r, numbers, option);
  if (missing.length)
    throw forbidden(
      `${missing.join(', ')} ${missing.length > 1 ? 'have' : 'has'} not subscribed ${option}; options are contract items: order them from your carrier`,
    );
}

const optionsBody = z.strictObject({
  options: z
    .array(z.enum(OPTIONS))
    .nullable()
    .describe(
      `the options subscribed (${OPTIONS.join(', ')}); null removes the record (a number then has its site's, or every option when neither has a record)`,
    ),
});
const siteOptionsView = z.object({ siteId: z.string(), options: z.array(z.enum(OPTIONS)).nullable() });

export const optionsResources: ResourceModule = (api) => {
  api.define({
    method: 'PUT',
    url: '/numbers/:number/options',
    tag: 'numbers',
    summary: "Replace a number's own subscribed options (operator only; If-Match of GET /numbers/{n}); an option gained starts in its default state",
    params: z.object({ number: z.string() }),
    body: optionsBody,
    response: numberViewSchema,
    handler: async ({ actor, params, body, ifMatch }, reply) => {
      const number = numberParam(params.number);
      await api.scopes.authorize(actor, 'options', 'number', await api.scopes.ofNumber(number));
      const { before, after } = await api.writer.run(async (r) => {
        const current = await readNumber(r, number);
        if (!current) throw notFound('number');
        checkIfMatch(ifMatch, current);
        await applyChange(api, r, { options: { numbers: { [number]: body.options } } }, `options.numbers.${number}`, 'options');
        return { before: current, after: (await readNumber(r, number))! };
      });
      await api.history.record(actor, {
        target: { kind: 'number', id: number },
        siteId: after.siteId,
        voiceGroupId: after.voiceGroupId,
        action: 'options.put',
        before: { options: before.options.number, features: before.features },
        after: { options: after.options.number, features: after.features },
      });
      api.log.info({ event: 'api.options_changed', number, account: actor.name, options: after.options.number }, 'number options changed');
      reply.header('ETag', etagOf(after));
      return visibleTo(actor, after);
    },
  });

  api.define({
    method: 'GET',
    url: '/sites/:id/options',
    tag: 'organisation',
    summary: "A site's subscribed options, which every number of the site has (null: no record) (ETag for PUT)",
    params: z.object({ id: z.string() }),
    response: siteOptionsView,
    handler: async ({ actor, params }, reply) => {
      await api.scopes.authorize(actor, 'read', 'site', await api.scopes.ofSite(params.id));
      const view = { siteId: params.id, options: await new SubscriptionStore(api.redis).ofSite(params.id) };
      reply.header('ETag', etagOf(view));
      return view;
    },
  });

  api.define({
    method: 'PUT',
    url: '/sites/:id/options',
    tag: 'organisation',
    summary:
      "Replace a site's subscribed options (operator only; If-Match of GET /sites/{id}/options); numbers gaining an option start it in its default state",
    params: z.object({ id: z.string() }),
    body: optionsBody,
    response: siteOptionsView,
    handler: async ({ actor, params, body, ifMatch }, reply) => {
      const scope = await api.scopes.authorize(actor, 'options', 'site', await api.scopes.ofSite(params.id));
      const { before, after } = await api.writer.run(async (r) => {
        const store = new SubscriptionStore(r);
        const current = { siteId: params.id, options: await store.ofSite(params.id) };
        checkIfMatch(ifMatch, current);
        await applyChange(api, r, { options: { sites: { [params.id]: body.options } } }, `options.sites.${params.id}`, 'options');
        return { before: current, after: { siteId: params.id, options: await store.ofSite(params.id) } };
      });
      await api.history.record(actor, {
        target: { kind: 'site', id: params.id },
        siteId: params.id,
        ...(scope.voiceGroupId ? { voiceGroupId: scope.voiceGroupId } : {}),
        action: 'options.put',
        before: { options: before.options },
        after: { options: after.options },
      });
      api.log.info({ event: 'api.options_changed', siteId: params.id, account: actor.name, options: after.options }, 'site options changed');
      reply.header('ETag', etagOf(after));
      return after;
    },
  });
};
