import { z } from 'zod';
import type { Log } from '../../log.js';
import { allowed, type Actor } from '../accounts/roles.js';
import { badRequest, notFound } from '../errors.js';
import type { HistoryEntry, HistoryQuery, HistoryStore } from '../../store/history-store.js';
import type { ResourceModule } from '../server.js';
import { numberParam } from './number-view.js';

/** How often entries past the 180-day retention are purged (any node may do it; it is idempotent). */
export const HISTORY_PURGE_EVERY_MS = 3600_000;

const time = z
  .string()
  .refine((s) => !Number.isNaN(Date.parse(s)), { error: 'must be an ISO 8601 time, e.g. 2026-11-21T10:00:00+09:00' })
  .describe('ISO 8601 time');

const historyQuery = z.strictObject({
  number: z.string().optional(),
  site: z.string().optional(),
  voiceGroup: z.string().optional(),
  from: time.optional(),
  to: time.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
});

const entrySchema = z.object({
  id: z.string(),
  at: z.string(),
  account: z.string(),
  role: z.string(),
  target: z.object({ kind: z.string(), id: z.string() }),
  siteId: z.string().optional(),
  voiceGroupId: z.string().optional(),
  action: z.string(),
  before: z.unknown(),
  after: z.unknown(),
});

/**
 * The settings history (docs/product.md §6): newest first, filtered by number, site,
 * voice group and time, never showing more than the actor may read. Also
 * purges expired entries periodically while the API runs.
 */
export function historyResource(options: { purgeEveryMs?: number } = {}): ResourceModule {
  return (api) => {
    const stop = startHistoryPurge(api.history, api.log, options.purgeEveryMs ?? HISTORY_PURGE_EVERY_MS);
    api.onClose(stop);

    api.define({
      method: 'GET',
      url: '/history',
      tag: 'history',
      summary: 'Settings history visible to you, newest first (kept 180 days)',
      query: historyQuery,
      response: z.array(entrySchema),
      handler: async ({ query, actor }) => {
        const number = query.number === undefined ? undefined : numberParam(query.number);
        const from = query.from === undefined ? undefined : Date.parse(query.from);
        const to = query.to === undefined ? undefined : Date.parse(query.to);
        if (from !== undefined && to !== undefined && from > to) throw badRequest('invalid query', ['from: must not be after to']);
        const q = narrow(actor, { number, site: query.site, voiceGroup: query.voiceGroup });
        const entries = await api.history.query({
          ...q,
          ...(from !== undefined ? { from } : {}),
          ...(to !== undefined ? { to } : {}),
          limit: query.limit,
        });
        return entries.filter((e) => visible(actor, e) && matches(e, number, query.site, query.voiceGroup));
      },
    });
  };
}

/**
 * Which index to read: the narrowest filter given, and never wider than the
 * actor's own scope (a filter outside it is answered as not found).
 */
function narrow(actor: Actor, f: { number: string | undefined; site: string | undefined; voiceGroup: string | undefined }): HistoryQuery {
  const outside = (what: string) => notFound(what);
  if (actor.role === 'number-user') {
    // Only its own number's entries; site / voice-group filters then apply to those.
    if (f.number !== undefined && f.number !== actor.number) throw outside('number');
    return { kind: 'number', id: actor.number ?? '' };
  }
  if (actor.role === 'site-admin' && f.site !== undefined && f.site !== actor.siteId) throw outside('site');
  if (actor.role === 'voice-group-admin' && f.voiceGroup !== undefined && f.voiceGroup !== actor.voiceGroupId) throw outside('voice group');
  if (f.number !== undefined) return { kind: 'number', id: f.number };
  if (f.site !== undefined) return { siteId: f.site };
  if (f.voiceGroup !== undefined) return { voiceGroupId: f.voiceGroup };
  if (actor.role === 'site-admin') return { siteId: actor.siteId ?? '' };
  if (actor.role === 'voice-group-admin') return { voiceGroupId: actor.voiceGroupId ?? '' };
  return {};
}

/** An entry is readable by whoever may read where its target lived. */
function visible(actor: Actor, e: HistoryEntry): boolean {
  if (actor.role === 'operator') return true;
  const number = e.target.kind === 'number' ? e.target.id : undefined;
  return allowed(actor, 'read', {
    ...(e.voiceGroupId !== undefined ? { voiceGroupId: e.voiceGroupId } : {}),
    ...(e.siteId !== undefined ? { siteId: e.siteId } : {}),
    ...(number !== undefined ? { number } : {}),
  });
}

function matches(e: HistoryEntry, number?: string, site?: string, voiceGroup?: string): boolean {
  return (
    (number === undefined || (e.target.kind === 'number' && e.target.id === number)) &&
    (site === undefined || e.siteId === site) &&
    (voiceGroup === undefined || e.voiceGroupId === voiceGroup)
  );
}

/** Purge on a timer that does not keep the process alive; returns the stop function. */
export function startHistoryPurge(history: HistoryStore, log: Log, everyMs: number): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    history
      .purge()
      .then((n) => {
        if (n > 0) log.info({ event: 'api.history_purged', entries: n }, 'settings history: expired entries removed');
      })
      .catch((err: unknown) => log.warn({ event: 'api.history_purge_failed', err }, 'settings history purge failed'))
      .finally(() => {
        running = false;
      });
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
