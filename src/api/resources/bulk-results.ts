import { z } from 'zod';
import { OrganisationStore } from '../../store/organisation-store.js';
import type { BulkOperation } from '../../store/schemas.js';
import { formatInZone } from '../../time.js';
import { stringifyCsv } from '../csv.js';
import { checkIfMatch } from '../etag.js';
import { notFound } from '../errors.js';
import type { ApiContext, ResourceModule } from '../server.js';
import { bulkView, readBulkGroup, type BulkGroupView } from './organisation-views.js';
import { stateConflict } from './provisioning-change.js';

/**
 * Bulk-forwarding groups beyond create and start/stop (docs/product.md §4.4):
 * deleting a stopped group, and the group's latest operation, "in progress"
 * or "done", with each number's result as JSON or CSV. Only accounts that see
 * the group's site read them; deleting needs the bulk-forwarding right.
 */

const idParam = z.object({ id: z.string() });

const operationView = z.object({
  groupId: z.string(),
  operation: z.enum(['start', 'stop']),
  status: z.enum(['in progress', 'done', 'failed']).describe('"in progress" while the group is starting or stopping'),
  account: z.string().describe('who started or stopped it'),
  startedAt: z.string().describe('ISO 8601 in the service time zone'),
  finishedAt: z.string().nullable(),
  done: z.number().int().describe('numbers that now forward (start) or are back to their own settings (stop)'),
  errors: z.number().int(),
  results: z.array(z.object({ number: z.string(), result: z.enum(['done', 'error']), why: z.string().optional() })),
});

export const RESULT_COLUMNS = ['number', 'result', 'reason'] as const;

/** Pure: the per-number result as CSV rows (spreadsheet-safe through stringifyCsv). */
export function operationCsv(operation: BulkOperation): string {
  return stringifyCsv([[...RESULT_COLUMNS], ...operation.results.map((r) => [r.number, r.result, r.why ?? ''])]);
}

export const bulkResultResources: ResourceModule = (api) => {
  api.define({
    method: 'DELETE',
    url: '/bulk-groups/:id',
    tag: 'groups',
    summary: 'Delete a stopped bulk-forwarding group (If-Match; 409 unless stopped); its members keep their own settings',
    params: idParam,
    response: z.object({ deleted: z.string() }),
    handler: async ({ actor, params, ifMatch }) => {
      const { group, scope } = await visibleGroup(api, actor, params.id);
      await api.scopes.authorize(actor, 'bulk-forwarding', 'bulk group', scope);
      await api.writer.run(async (r) => {
        const store = new OrganisationStore(r);
        for (let attempt = 0; attempt < 5; attempt++) {
          const deleted = await store.deleteBulkGroup(params.id, (stored) => {
            if (!stored) throw notFound('bulk group');
            checkIfMatch(ifMatch, bulkView(stored));
            if (stored.state !== 'stopped') throw stateConflict(`bulk group ${params.id} is ${stored.state}; stop it before deleting it`);
            return stored;
          });
          if (deleted) return;
        }
        throw stateConflict(`bulk group ${params.id} kept changing; try again`);
      });
      await api.history.record(actor, {
        target: { kind: 'bulk-group', id: params.id },
        siteId: group.siteId,
        ...(scope.voiceGroupId ? { voiceGroupId: scope.voiceGroupId } : {}),
        action: 'bulk-group.delete',
        before: group,
        after: null,
      });
      api.log.info({ event: 'api.bulk_deleted', bulkGroup: params.id, account: actor.name }, 'bulk group deleted');
      return { deleted: params.id };
    },
  });

  api.define({
    method: 'GET',
    url: '/bulk-groups/:id/operation',
    tag: 'groups',
    summary: 'The latest start or stop of a bulk group: "in progress" or "done", with each number’s result (404 before the first)',
    params: idParam,
    response: operationView,
    handler: async ({ actor, params }) => {
      await visibleGroup(api, actor, params.id);
      const operation = await new OrganisationStore(api.redis).bulkOperation(params.id);
      if (!operation) throw notFound('bulk operation');
      const errors = operation.results.filter((r) => r.result === 'error').length;
      const at = (ms: number) => formatInZone(new Date(ms), api.config.timeZone);
      return {
        groupId: params.id,
        operation: operation.operation,
        status: operation.status,
        account: operation.account,
        startedAt: at(operation.startedAt),
        finishedAt: operation.finishedAt === undefined ? null : at(operation.finishedAt),
        done: operation.results.length - errors,
        errors,
        results: operation.results,
      };
    },
  });

  api.define({
    method: 'GET',
    url: '/bulk-groups/:id/operation.csv',
    tag: 'groups',
    summary: 'The per-number result of the latest start or stop as CSV (number,result,reason); 409 while it is in progress',
    params: idParam,
    response: z.string(),
    rawResponse: 'text/csv',
    handler: async ({ actor, params }, reply) => {
      await visibleGroup(api, actor, params.id);
      const operation = await new OrganisationStore(api.redis).bulkOperation(params.id);
      if (!operation) throw notFound('bulk operation');
      if (operation.status === 'in progress')
        throw stateConflict(`bulk group ${params.id} is still being ${operation.operation === 'start' ? 'started' : 'stopped'}; try again`);
      reply.header('Content-Disposition', `attachment; filename="bulk-${operation.operation}-result.csv"`);
      return operationCsv(operation);
    },
  });
};

/** The group and its scope, or 404 when missing or out of the actor's sight. */
async function visibleGroup(api: ApiContext, actor: Parameters<ApiContext['scopes']['authorize']>[0], id: string) {
  const group: BulkGroupView | null = await readBulkGroup(api.redis, id);
  const scope = group && (await api.scopes.ofSite(group.siteId));
  await api.scopes.authorize(actor, 'read', 'bulk group', scope);
  return { group: group!, scope: scope! };
}
