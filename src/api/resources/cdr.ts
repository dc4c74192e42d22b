import { z } from 'zod';
import { CdrStore, type StoredCallRecord } from '../../store/cdr-store.js';
import type { Actor } from '../accounts/roles.js';
import { stringifyCsv } from '../csv.js';
import { CSV_COLUMNS, callRecordView, csvRow, ownParties, viewFor, visibleTo, type CallRecordView } from '../cdr-view.js';
import { badRequest, notFound } from '../errors.js';
import type { ApiContext, ResourceModule } from '../server.js';
import { numberParam } from './number-view.js';

const DAY_MS = 86_400_000;
/** Records one request reads at most, matching or not (a narrow filter cannot make a request scan everything). */
const MAX_SCAN = 50_000;

const time = z
  .string()
  .refine((s) => !Number.isNaN(Date.parse(s)), { error: 'must be an ISO 8601 time, e.g. 2026-11-21T10:00:00+09:00' })
  .describe('ISO 8601 time');

const cdrQuery = z.strictObject({
  from: time.optional().describe('records written from (default: 24 hours ago)'),
  to: time.optional().describe('records written until (default: now)'),
  number: z.string().optional(),
  site: z.string().optional(),
  voiceGroup: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(10_000).default(1000),
  after: z
    .string()
    .regex(/^\d{1,15}-\d{1,15}$/, { error: 'must be the `next` of an earlier answer' })
    .optional(),
});
type CdrQuery = z.infer<typeof cdrQuery>;

/**
 * Call detail records (the service's call history, docs/product.md §8): by
 * time range, oldest first, as JSON or CSV, never more than the account may
 * read (src/api/cdr-view.ts). `next`, when present, continues the listing.
 */
export const cdrResource: ResourceModule = (api) => {
  const store = new CdrStore(api.redis, api.config.cdr.retentionDays * DAY_MS);

  api.define({
    method: 'GET',
    url: '/cdrs',
    tag: 'call records',
    summary: 'Call detail records visible to you, oldest first, by the time they were written',
    query: cdrQuery,
    response: z.object({ records: z.array(callRecordView), next: z.string().optional() }),
    handler: async ({ query, actor, address }) => {
      const page = await readPage(api, store, actor, query, address);
      return { records: page.records, ...(page.next !== undefined ? { next: page.next } : {}) };
    },
  });

  api.define({
    method: 'GET',
    url: '/cdrs.csv',
    tag: 'call records',
    summary: 'The same records as CSV (header X-Next-After when there are more)',
    query: cdrQuery,
    response: z.string(),
    rawResponse: 'text/csv',
    handler: async ({ query, actor, address }, reply) => {
      const page = await readPage(api, store, actor, query, address);
      if (page.next !== undefined) reply.header('X-Next-After', page.next);
      reply.header('Content-Disposition', 'attachment; filename="call-records.csv"');
      return stringifyCsv([[...CSV_COLUMNS], ...page.records.map(csvRow)]);
    },
  });
};

async function readPage(
  api: ApiContext,
  store: CdrStore,
  actor: Actor,
  query: CdrQuery,
  address: string,
): Promise<{ records: CallRecordView[]; next?: string }> {
  const now = api.now();
  const from = query.from === undefined ? now - DAY_MS : Date.parse(query.from);
  const to = query.to === undefined ? now : Date.parse(query.to);
  if (from > to) throw badRequest('invalid query', ['from: must not be after to']);
  const number = query.number === undefined ? undefined : numberParam(query.number);
  const voiceGroupId = await streamOf(api, actor, query.voiceGroup, address);
  const page = await store.read({
    ...(voiceGroupId !== undefined ? { voiceGroupId } : {}),
    from,
    to,
    ...(query.after !== undefined ? { after: query.after } : {}),
    limit: query.limit,
    maxScan: MAX_SCAN,
    keep: (r) => visibleTo(actor, r) && matches(actor, r, number, query.site, query.voiceGroup),
  });
  return { records: page.records.map((r) => viewFor(actor, r)), ...(page.next !== undefined ? { next: page.next } : {}) };
}

/**
 * Which stream to read: a customer's own voice group's, never another's (a
 * filter outside its scope is answered as not found, like the settings history).
 */
async function streamOf(api: ApiContext, actor: Actor, voiceGroup: string | undefined, address: string): Promise<string | undefined> {
  if (actor.role === 'operator') return voiceGroup;
  const own =
    actor.role === 'voice-group-admin'
      ? actor.voiceGroupId
      : actor.role === 'site-admin'
        ? (await api.scopes.ofSite(actor.siteId ?? ''))?.voiceGroupId
        : (await api.scopes.ofNumber(actor.number ?? ''))?.voiceGroupId;
  if (own === undefined || (voiceGroup !== undefined && voiceGroup !== own)) {
    api.summary.info(
      { event: 'security.cdr_scope_refused', account: actor.name, role: actor.role, voiceGroup: voiceGroup ?? null, address },
      'call records of a voice group outside the account scope refused',
      ['account'],
    );
    throw notFound('voice group');
  }
  return own;
}

/** The filters, applied to the parties the actor may read (an operator: every party, and the outside numbers too). */
function matches(actor: Actor, r: StoredCallRecord, number?: string, site?: string, voiceGroup?: string): boolean {
  const parties = actor.role === 'operator' ? r.parties : ownParties(actor, r);
  if (site !== undefined && !parties.some((p) => p.siteId === site)) return false;
  if (voiceGroup !== undefined && !parties.some((p) => p.voiceGroupId === voiceGroup)) return false;
  if (number === undefined) return true;
  if (parties.some((p) => p.number === number)) return true;
  return actor.role === 'operator' && (r.callingNumber === number || r.calledNumber === number || r.delivered?.number === number);
}
