import { z } from 'zod';
import { FeatureStore, type BlockListEntry } from '../../store/feature-store.js';
import { formatInZone } from '../../time.js';
import { notFound } from '../errors.js';
import type { ResourceModule } from '../server.js';
import { numberParam } from './number-view.js';

/**
 * A number's nuisance block list with the time each entry was added
 * (docs/product.md §4.1), sortable by that time or by number. Entries stored
 * before add times were kept show `addedAt: null` and count as the oldest
 * (they were there before any entry with a time). The list itself is changed
 * with PATCH /numbers/{n}/features (`blockedCallers`); times follow.
 */

export type BlockListSort = 'addedAt' | 'number';

/** Pure: entries ordered by add time (unknown first, ties by number) or by number, ascending or descending. */
export function sortBlockList(entries: readonly BlockListEntry[], sort: BlockListSort, order: 'asc' | 'desc'): BlockListEntry[] {
  const byNumber = (a: BlockListEntry, b: BlockListEntry) => (a.number < b.number ? -1 : a.number > b.number ? 1 : 0);
  const byAdded = (a: BlockListEntry, b: BlockListEntry) => (a.addedAt ?? -Infinity) - (b.addedAt ?? -Infinity) || byNumber(a, b);
  const sorted = [...entries].sort(sort === 'addedAt' ? byAdded : byNumber);
  return order === 'desc' ? sorted.reverse() : sorted;
}

const entryView = z.object({
  number: z.string(),
  addedAt: z.string().nullable().describe('ISO 8601 in the service time zone; null: added before add times were kept'),
});

export const blockListResource: ResourceModule = (api) => {
  api.define({
    method: 'GET',
    url: '/numbers/:number/block-list',
    tag: 'numbers',
    summary: 'The nuisance block list with the time each entry was added; sort=addedAt|number, order=asc|desc (default addedAt, desc: newest first)',
    params: z.object({ number: z.string().describe('national (0312345678), hyphenated or E.164 form') }),
    query: z.strictObject({
      sort: z.enum(['addedAt', 'number']).default('addedAt'),
      order: z.enum(['asc', 'desc']).default('desc'),
    }),
    response: z.object({ number: z.string(), entries: z.array(entryView) }),
    handler: async ({ params, query, actor }) => {
      const number = numberParam(params.number);
      await api.scopes.authorize(actor, 'read', 'number', await api.scopes.ofNumber(number));
      const store = new FeatureStore(api.redis);
      if (!(await store.get(number))) throw notFound('number');
      const entries = sortBlockList(await store.blockList(number), query.sort, query.order);
      return {
        number,
        entries: entries.map((e) => ({ number: e.number, addedAt: e.addedAt === null ? null : formatInZone(new Date(e.addedAt), api.config.timeZone) })),
      };
    },
  });
};
