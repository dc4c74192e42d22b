import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { ForwardingSettings } from '../../features/settings.js';
import { applyProvisioning, ProvisioningError } from '../../provisioning/apply.js';
import { parseProvisioning, provisioningOptions } from '../../provisioning/schema.js';
import type { Config } from '../../config/schema.js';
import { badRequest } from '../errors.js';
import { checkIfMatch, etagOf } from '../etag.js';
import { columnOf, forwardingCsv, readForwardingCsv, type ForwardingRow } from '../forwarding-table.js';
import type { ResourceModule } from '../server.js';
import { readForwarding, siteNumbers } from './number-view.js';
import { lacking } from './options.js';
import { canView } from '../accounts/roles.js';
import { noView } from '../scope.js';

const siteParams = z.object({ id: z.string() });

/**
 * Forwarding settings of a whole site as CSV (docs/product.md §6). The upload is read
 * and checked as a whole (every bad cell named) before anything is written,
 * then applied in one provisioning apply: all rows or none.
 */
export const forwardingCsvResource: ResourceModule = (api) => {
  api.define({
    method: 'GET',
    url: '/sites/:id/forwarding.csv',
    tag: 'forwarding',
    summary: 'Forwarding settings of every number of the site, as CSV (ETag); schedules are not included',
    params: siteParams,
    response: z.string(),
    rawResponse: 'text/csv',
    handler: async ({ params, actor }, reply) => {
      await api.scopes.authorize(actor, 'read', 'site', await api.scopes.ofSite(params.id));
      if (!canView(actor, 'forwarding')) throw noView('forwarding');
      const csv = await siteCsv(api.redis, params.id);
      reply.header('ETag', etagOf(csv.text));
      reply.header('Content-Disposition', `attachment; filename="forwarding-${params.id}.csv"`);
      return csv.text;
    },
  });

  api.define({
    method: 'PUT',
    url: '/sites/:id/forwarding.csv',
    tag: 'forwarding',
    summary: 'Upload forwarding settings for numbers of the site (text/csv, If-Match); checked as a whole, applied all or nothing',
    params: siteParams,
    body: z.string(),
    rawBody: 'text/csv',
    response: z.object({ numbers: z.number().int(), changed: z.array(z.string()) }),
    handler: async ({ params, body, actor, ifMatch }, reply) => {
      const siteId = params.id;
      const scope = await api.scopes.authorize(actor, 'forwarding', 'site', await api.scopes.ofSite(siteId));
      const table = readForwardingCsv(body);

      const result = await api.writer.run(async (r) => {
        const before = await siteCsv(r, siteId);
        checkIfMatch(ifMatch, before.text);
        const issues = [...table.issues];
        const inSite = new Set(before.numbers);
        const rows = table.rows.filter((row) => {
          if (inSite.has(row.number)) return true;
          issues.push(`line ${row.line}, column number: number ${row.number} is not a number of site ${siteId}`);
          return false;
        });
        const doc = {
          features: Object.fromEntries(
            rows.map((row) => [row.number, { forwarding: { ...row.forwarding, schedule: before.forwarding.get(row.number)!.schedule } }]),
          ),
        };
        issues.push(...rowIssues(validationIssues(doc, api.config), rows));
        if (actor.role !== 'operator') issues.push(...(await unsubscribedRows(r, rows, before.forwarding)));
        if (issues.length) throw badRequest('invalid CSV; nothing was changed', sortByLine(issues));
        try {
          await applyProvisioning(r, api.config, doc, undefined, undefined, { managementLockHeld: true });
        } catch (err) {
          if (err instanceof ProvisioningError) throw badRequest('invalid CSV; nothing was changed', rowIssues(err.issues, rows));
          throw err;
        }
        const after = await siteCsv(r, siteId);
        return { before, after, rows };
      });

      const changed = result.rows
        .map((row) => row.number)
        .filter((n) => JSON.stringify(result.before.forwarding.get(n)) !== JSON.stringify(result.after.forwarding.get(n)));
      for (const n of changed) {
        await api.history.record(actor, {
          target: { kind: 'number', id: n },
          siteId,
          ...(scope.voiceGroupId ? { voiceGroupId: scope.voiceGroupId } : {}),
          action: 'upload-forwarding-csv',
          before: { forwarding: result.before.forwarding.get(n) },
          after: { forwarding: result.after.forwarding.get(n) },
        });
      }
      if (changed.length) api.log.info({ event: 'api.forwarding_csv_applied', siteId, account: actor.name, changed: changed.length }, 'forwarding CSV applied');
      reply.header('ETag', etagOf(result.after.text));
      return { numbers: result.rows.length, changed };
    },
  });
};

async function siteCsv(redis: Redis, siteId: string): Promise<{ text: string; numbers: string[]; forwarding: Map<string, ForwardingSettings> }> {
  const numbers = await siteNumbers(redis, siteId);
  const forwarding = await readForwarding(redis, numbers);
  return { text: forwardingCsv(numbers.map((number) => ({ number, forwarding: forwarding.get(number)! }))), numbers, forwarding };
}

/**
 * Customers change forwarding only on numbers that subscribed it (slot 5: bulk
 * forwarding); unchanged rows of other numbers pass, so a downloaded file
 * uploads back as it is.
 */
const PATTERN_FIELDS = ['enabled', 'unconditional', 'busy', 'noAnswer', 'unreachable', 'ringTime', 'active'] as const;

async function unsubscribedRows(r: Redis, rows: readonly ForwardingRow[], stored: Map<string, ForwardingSettings>): Promise<string[]> {
  const own = (f: ForwardingRow['forwarding']) => JSON.stringify([...PATTERN_FIELDS.map((k) => f[k]), f.destinations.slice(0, 4)]);
  const slot5 = (f: ForwardingRow['forwarding']) => JSON.stringify(f.destinations[4] ?? null);
  const changesOwn = rows.filter((row) => own(row.forwarding) !== own(stored.get(row.number)!));
  const changesSlot5 = rows.filter((row) => slot5(row.forwarding) !== slot5(stored.get(row.number)!));
  const [noFwd, noBulk] = await Promise.all([
    lacking(
      r,
      changesOwn.map((row) => row.number),
      'forwarding',
    ),
    lacking(
      r,
      changesSlot5.map((row) => row.number),
      'bulk-forwarding',
    ),
  ]);
  return [
    ...changesOwn.filter((row) => noFwd.includes(row.number)).map((row) => `line ${row.line}: ${row.number} has not subscribed forwarding`),
    ...changesSlot5
      .filter((row) => noBulk.includes(row.number))
      .map((row) => `line ${row.line}, column dest5: ${row.number} has not subscribed bulk-forwarding`),
  ];
}

/** The spec rules (ring time, triggers, slots, destinations) for every row at once, without writing. */
function validationIssues(doc: unknown, config: Config): string[] {
  try {
    parseProvisioning(doc, provisioningOptions(config));
    return [];
  } catch (err) {
    if (err instanceof ProvisioningError) return err.issues;
    throw err;
  }
}

/** `features.<number>.forwarding.<field>: message` → `line N, column <col>: message`. */
function rowIssues(issues: readonly string[], rows: readonly ForwardingRow[]): string[] {
  const lineOf = new Map(rows.map((r) => [r.number, r.line]));
  return issues.map((issue) => {
    const m = /^features\.(\d+)(?:\.forwarding(?:\.([^:]*))?)?: (.*)$/s.exec(issue);
    const line = m ? lineOf.get(m[1]!) : undefined;
    if (!m || line === undefined) return issue;
    const sub = m[2] ?? '';
    const column = columnOf(sub);
    return column ? `line ${line}, column ${column}: ${m[3]}` : `line ${line}: ${sub ? `${sub}: ` : ''}${m[3]}`;
  });
}

function sortByLine(issues: string[]): string[] {
  const lineNo = (s: string) => Number(/^line (\d+)/.exec(s)?.[1] ?? 0);
  return issues
    .map((s, i) => ({ s, i }))
    .sort((a, b) => lineNo(a.s) - lineNo(b.s) || a.i - b.i)
    .map((x) => x.s);
}
