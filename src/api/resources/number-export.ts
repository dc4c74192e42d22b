import type { Redis } from 'ioredis';
import { z } from 'zod';
import { defaultFeatures } from '../../features/settings.js';
import { FeatureStore } from '../../store/feature-store.js';
import { LineStore, type LineRecord } from '../../store/line-store.js';
import { OrganisationStore } from '../../store/organisation-store.js';
import type { Actor } from '../accounts/roles.js';
import { badRequest } from '../errors.js';
import { numberInfoCsv, numberPrefix, type NumberInfo } from '../number-table.js';
import type { ApiContext, ResourceModule } from '../server.js';
import { allSiteIds, readAll, readSite } from './organisation-views.js';

/**
 * Number information (docs/product.md §6): every number of a site or voice
 * group with its line, groups and settings as CSV, and a search of the
 * numbers in the account's own scope by prefix. Only what the account may
 * read: another customer's site or voice group is 404, and the search never
 * looks outside the account's voice group, site or number.
 */

export const SEARCH_LIMIT = 1000;

const prefixQuery = z.strictObject({
  prefix: z.string().default('').describe('digits the numbers start with (hyphens allowed); empty: every number'),
});

const numberRow = z.object({
  number: z.string(),
  kind: z.enum(['basic', 'dial-in']),
  sipId: z.string(),
  siteId: z.string(),
  voiceGroupId: z.string(),
});

export const numberExportResource: ResourceModule = (api) => {
  /** One CSV route: the numbers of the sites `sitesFor(id)` names, once the actor may read `what` `id`. */
  const csvRoute = (
    url: string,
    what: 'site' | 'voice group',
    summary: string,
    scopeOf: (id: string) => ReturnType<ApiContext['scopes']['ofSite']>,
    sitesFor: (id: string) => Promise<string[]>,
  ): void =>
    api.define({
      method: 'GET',
      url,
      tag: 'numbers',
      summary,
      params: z.object({ id: z.string() }),
      query: prefixQuery,
      response: z.string(),
      rawResponse: 'text/csv',
      handler: async ({ actor, params, query }, reply) => {
        const prefix = prefixParam(query.prefix);
        await api.scopes.authorize(actor, 'read', what, await scopeOf(params.id));
        reply.header('Content-Disposition', `attachment; filename="numbers-${params.id}.csv"`);
        return numberInfoCsv(await numberInfos(api.redis, await linesOfSites(api.redis, await sitesFor(params.id)), prefix));
      },
    });

  csvRoute(
    '/sites/:id/numbers.csv',
    'site',
    'Every number of the site with its line, groups and settings, as CSV (no credentials); ?prefix= narrows it',
    (id) => api.scopes.ofSite(id),
    async (id) => [id],
  );
  csvRoute(
    '/voice-groups/:id/numbers.csv',
    'voice group',
    'Every number of the voice group (all its sites) with its line, groups and settings, as CSV (no credentials); ?prefix= narrows it',
    (id) => api.scopes.ofVoiceGroup(id),
    (id) => sitesOf(api.redis, id),
  );

  api.define({
    method: 'GET',
    url: '/numbers',
    tag: 'numbers',
    summary: `Search the numbers you can see by prefix (at most ${SEARCH_LIMIT}, sorted; \`truncated\` when there are more)`,
    query: prefixQuery,
    response: z.object({ numbers: z.array(numberRow), truncated: z.boolean() }),
    handler: async ({ actor, query }) => {
      const prefix = prefixParam(query.prefix);
      const { numbers, truncated } = await searchInScope(api, actor, prefix);
      const lines = new LineStore(api.redis);
      const rows = await Promise.all(
        numbers.map(async (number) => {
          const owner = await new FeatureStore(api.redis).numberWithFeatures(number);
          const line = owner && (await lines.get(owner.sipId));
          return line && owner ? { number, kind: owner.kind, sipId: line.sipId, siteId: line.siteId, voiceGroupId: line.voiceGroupId } : null;
        }),
      );
      return { numbers: rows.filter((r) => r !== null), truncated };
    },
  });
};

function prefixParam(input: string): string {
  const prefix = numberPrefix(input);
  if (prefix === null) throw badRequest('invalid query', ['prefix: digits only (hyphens allowed), at most 11']);
  return prefix;
}

/** The numbers the actor may read that start with `prefix`: the operator's search covers every number; a customer's, its own scope. */
async function searchInScope(api: ApiContext, actor: Actor, prefix: string): Promise<{ numbers: string[]; truncated: boolean }> {
  if (actor.role === 'operator') return new OrganisationStore(api.redis).numbersWithPrefix(prefix, SEARCH_LIMIT);
  let numbers: string[] = [];
  if (actor.role === 'number-user') numbers = actor.number ? [actor.number] : [];
  else if (actor.role === 'site-admin') numbers = numbersOf(await linesOfSites(api.redis, actor.siteId ? [actor.siteId] : []));
  else if (actor.role === 'voice-group-admin')
    numbers = numbersOf(await linesOfSites(api.redis, actor.voiceGroupId ? await sitesOf(api.redis, actor.voiceGroupId) : []));
  const matching = numbers.filter((n) => n.startsWith(prefix)).sort();
  return { numbers: matching.slice(0, SEARCH_LIMIT), truncated: matching.length > SEARCH_LIMIT };
}

/** Ids of the voice group's sites. */
async function sitesOf(redis: Redis, voiceGroupId: string): Promise<string[]> {
  const sites = await readAll(await allSiteIds(redis), (id) => readSite(redis, id));
  return sites.filter((s) => s.voiceGroupId === voiceGroupId).map((s) => s.id);
}

/** The lines of these sites (each checked to be in its site). */
async function linesOfSites(redis: Redis, siteIds: readonly string[]): Promise<LineRecord[]> {
  const lines = new LineStore(redis);
  const out: LineRecord[] = [];
  for (const siteId of siteIds) {
    for (const sipId of await lines.listBySite(siteId)) {
      const line = await lines.get(sipId);
      if (line && line.siteId === siteId) out.push(line);
    }
  }
  return out;
}

function numbersOf(lines: readonly LineRecord[]): string[] {
  return lines.flatMap((l) => [l.basicNumber, ...l.dialInNumbers]).filter((n) => n !== '');
}

/** Every number of these lines starting with `prefix`, sorted, with its line, groups and settings. */
async function numberInfos(redis: Redis, lines: readonly LineRecord[], prefix: string): Promise<NumberInfo[]> {
  const features = new FeatureStore(redis);
  const rows = lines.flatMap((line) =>
    [line.basicNumber, ...line.dialInNumbers]
      .filter((n) => n !== '' && n.startsWith(prefix))
      .map((number) => ({ number, kind: number === line.basicNumber ? ('basic' as const) : ('dial-in' as const), line })),
  );
  rows.sort((a, b) => (a.number < b.number ? -1 : a.number > b.number ? 1 : 0));
  return Promise.all(
    rows.map(async ({ number, kind, line }) => {
      const [f, hunt, bulk] = await Promise.all([features.get(number), features.huntGroupOf(number), features.bulkGroupOf(number)]);
      return {
        number,
        kind,
        line: {
          sipId: line.sipId,
          siteId: line.siteId,
          voiceGroupId: line.voiceGroupId,
          auth: line.auth,
          channels: line.channels,
          basicNumber: line.basicNumber,
        },
        huntGroup: hunt?.id ?? null,
        bulkGroup: bulk?.id ?? null,
        features: f ?? defaultFeatures(number),
      };
    }),
  );
}
