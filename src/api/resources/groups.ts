import type { Redis } from 'ioredis';
import { z } from 'zod';
import { normalizeNumber } from '../../numbers/national.js';
import { OrganisationStore } from '../../store/organisation-store.js';
import { canView, type Action, type Actor, type TargetScope } from '../accounts/roles.js';
import { noView } from '../scope.js';
import { requireSubscribed } from './options.js';
import { checkIfMatch, etagOf } from '../etag.js';
import { badRequest, conflict } from '../errors.js';
import type { ApiContext, ResourceModule } from '../server.js';
import { startBulk, stopBulk } from './bulk-operation.js';
import { bulkGroupView, huntGroupView, readAll, readBulkGroup, readHuntGroup, type BulkGroupView, type HuntGroupView } from './organisation-views.js';
import { applyChange, siteDocument, siteParents, SITE_PATH, stateConflict } from './provisioning-change.js';

/**
 * Hunt groups (docs/product.md §4.5) and bulk-forwarding groups (docs/product.md §4.4) of a site.
 * PUT creates (no If-Match) or replaces (If-Match of the ETag you read) a
 * group; a group stays in its site. There is no DELETE: the provisioning
 * layer cannot express removing a group.
 */

const idParam = z.object({ id: z.string() });

const huntBody = z.strictObject({
  siteId: z.string().describe('the site of the group; fixed once created'),
  pilot: z.string().describe('basic number of a line of the site; the search starts here'),
  members: z.array(z.string()).describe('ordered basic numbers of lines of the site (1-1000), the pilot not repeated; a number is in at most one hunt group'),
  mode: z.enum(['sequential', 'round-robin']).optional().describe('default sequential'),
  presentation: z.enum(['pilot', 'own']).optional().describe('what members present on outgoing calls; default pilot'),
});

const bulkBody = z.strictObject({
  name: z.string().describe('1-200 characters'),
  siteId: z.string().describe('the site of the group; fixed once created'),
  members: z.array(z.string()).describe('1-1000 numbers (basic or dial-in) of the site; a number is in at most one bulk group; unchangeable unless stopped'),
});

const memberResult = z.object({ number: z.string(), result: z.enum(['done', 'error']), why: z.string().optional() });
const bulkOperationView = bulkGroupView.extend({ results: z.array(memberResult) });

interface GroupKind<V extends { siteId: string }> {
  what: string;
  read: (r: Redis, id: string) => Promise<V | null>;
  kind: 'hunt' | 'bulk';
  /** The function (right) and the option it is. */
  fn: 'hunt-group' | 'bulk-forwarding';
}

const HUNT: GroupKind<HuntGroupView> = { what: 'hunt group', read: readHuntGroup, kind: 'hunt', fn: 'hunt-group' };
const BULK: GroupKind<BulkGroupView> = { what: 'bulk group', read: readBulkGroup, kind: 'bulk', fn: 'bulk-forwarding' };

export const groupResources: ResourceModule = (api) => {
  huntGroups(api);
  bulkGroups(api);
};

/** The group and its scope, or 404 when missing or out of the actor's sight. */
async function readable<V extends { siteId: string }>(api: ApiContext, actor: Actor, k: GroupKind<V>, id: string): Promise<{ group: V; scope: TargetScope }> {
  const group = await k.read(api.redis, id);
  const scope = group && (await api.scopes.ofSite(group.siteId));
  await api.scopes.authorize(actor, 'read', k.what, scope);
  return { group: group!, scope: scope! };
}

function listAndGet<V extends { siteId: string }>(api: ApiContext, k: GroupKind<V>, segment: string, view: z.ZodType<V>): void {
  api.define({
    method: 'GET',
    url: `/sites/:id/${segment}`,
    tag: 'groups',
    summary: `The ${k.what}s of a site`,
    params: idParam,
    response: z.array(view),
    handler: async ({ actor, params }) => {
      await api.scopes.authorize(actor, 'read', 'site', await api.scopes.ofSite(params.id));
      if (!canView(actor, k.fn)) throw noView(k.fn);
      const groups = await readAll(await new OrganisationStore(api.redis).siteGroupIds(k.kind, params.id), (id) => k.read(api.redis, id));
      return groups.filter((g) => g.siteId === params.id);
    },
  });

  api.define({
    method: 'GET',
    url: `/${segment}/:id`,
    tag: 'groups',
    summary: `One ${k.what} (ETag for PUT)`,
    params: idParam,
    response: view,
    handler: async ({ actor, params }, reply) => {
      const { group } = await readable(api, actor, k, params.id);
      if (!canView(actor, k.fn)) throw noView(k.fn);
      reply.header('ETag', etagOf(group));
      return group;
    },
  });
}

/**
 * The PUT protocol shared by both kinds: authorise against where the group
 * is (or is to be created), keep it in its site, check If-Match, then apply
 * one provisioning document, all inside one serialised write.
 */
async function putGroup<V extends { siteId: string }>(
  api: ApiContext,
  k: GroupKind<V>,
  actionFor: (before: V | null) => Action,
  req: { actor: Actor; id: string; siteId: string; ifMatch: string | undefined },
  entry: (before: V | null) => Record<string, unknown>,
  groupsField: string,
  /** The numbers whose option the change configures (customers need it subscribed). */
  optionNumbers: string[],
): Promise<{ before: V | null; after: V; scope: TargetScope }> {
  return api.writer.run(async (r) => {
    const before = await k.read(r, req.id);
    const action = actionFor(before);
    if (before) {
      const scope = (await api.scopes.ofSite(before.siteId)) ?? { siteId: before.siteId };
      await api.scopes.authorize(req.actor, action, k.what, scope);
      if (req.siteId !== before.siteId) {
        throw badRequest(`invalid ${k.what}`, [`siteId: ${k.what} ${req.id} belongs to site ${before.siteId}; a group cannot move to another site`]);
      }
      checkIfMatch(req.ifMatch, before);
    } else {
      await api.scopes.authorize(req.actor, action, 'site', await api.scopes.ofSite(req.siteId));
      if (req.ifMatch) throw conflict('it does not exist (any more); create it without If-Match');
    }
    await requireSubscribed(r, req.actor, optionNumbers, k.fn);
    const doc = siteDocument(await siteParents(r, req.siteId), { [groupsField]: [{ id: req.id, ...entry(before) }] });
    await applyChange(api, r, doc, `${SITE_PATH}.${groupsField}[0]`, k.what);
    const scope = (await api.scopes.ofSite(req.siteId))!;
    return { before, after: (await k.read(r, req.id))!, scope };
  });
}

function huntGroups(api: ApiContext): void {
  listAndGet(api, HUNT, 'hunt-groups', huntGroupView);
  api.define({
    method: 'PUT',
    url: '/hunt-groups/:id',
    tag: 'groups',
    summary: 'Create a hunt group or change its pilot (operator: contract items); change members, their order, mode, presentation (also admins)',
    params: idParam,
    body: huntBody,
    response: huntGroupView,
    handler: async ({ actor, params, body, ifMatch }, reply) => {
      const { siteId, ...group } = body;
      // Creating a group and choosing its pilot are contract items; members, their order, mode and presentation are the customer's.
      const action = (before: HuntGroupView | null): Action =>
        before === null || (normalizeNumber(group.pilot) ?? group.pilot) !== before.pilot ? 'hunt-group-contract' : 'hunt-group';
      const pilot = normalizeNumber(group.pilot) ?? group.pilot;
      const { before, after, scope } = await putGroup(api, HUNT, action, { actor, id: params.id, siteId, ifMatch }, () => group, 'huntGroups', [pilot]);
      await api.history.record(actor, {
        target: { kind: 'hunt-group', id: params.id },
        siteId,
        ...(scope.voiceGroupId ? { voiceGroupId: scope.voiceGroupId } : {}),
        action: 'hunt-group.put',
        before,
        after,
      });
      if (!before) reply.status(201);
      reply.header('ETag', etagOf(after));
      return after;
    },
  });
}

function bulkGroups(api: ApiContext): void {
  listAndGet(api, BULK, 'bulk-groups', bulkGroupView);
  api.define({
    method: 'PUT',
    url: '/bulk-groups/:id',
    tag: 'groups',
    summary: 'Create or replace a bulk-forwarding group (not number users); members change only while it is stopped',
    params: idParam,
    body: bulkBody,
    response: bulkGroupView,
    handler: async ({ actor, params, body, ifMatch }, reply) => {
      const { siteId, ...group } = body;
      const entry = (before: BulkGroupView | null) => {
        const state = before?.state ?? 'stopped';
        if (state === 'starting' || state === 'stopping') throw stateConflict(`bulk group ${params.id} is ${state}; try again`);
        const same =
          before !== null && group.members.length === before.members.length && group.members.every((m, i) => (normalizeNumber(m) ?? m) === before.members[i]);
        if (state === 'started' && !same) throw stateConflict(`bulk group ${params.id} is started; stop it before changing its members`);
        return { ...group, state };
      };
      const members = group.members.map((m) => normalizeNumber(m) ?? m);
      const { before, after, scope } = await putGroup(
        api,
        BULK,
        () => 'bulk-forwarding',
        { actor, id: params.id, siteId, ifMatch },
        entry,
        'bulkGroups',
        members,
      );
      await api.history.record(actor, {
        target: { kind: 'bulk-group', id: params.id },
        siteId,
        ...(scope.voiceGroupId ? { voiceGroupId: scope.voiceGroupId } : {}),
        action: 'bulk-group.put',
        before,
        after,
      });
      if (!before) reply.status(201);
      reply.header('ETag', etagOf(after));
      return after;
    },
  });

  for (const op of ['start', 'stop'] as const) {
    api.define({
      method: 'POST',
      url: `/bulk-groups/:id/${op}`,
      tag: 'groups',
      summary:
        op === 'start'
          ? 'Start bulk forwarding: every member forwards unconditionally to its slot-5 destination (409 unless stopped); per-number result'
          : 'Stop bulk forwarding: members return to their own settings (409 unless started); per-number result',
      params: idParam,
      response: bulkOperationView,
      handler: async ({ actor, params, ifMatch }, reply) => {
        const { scope } = await readable(api, actor, BULK, params.id);
        await api.scopes.authorize(actor, 'bulk-forwarding', 'bulk group', scope);
        // If-Match is optional here: the state machine already refuses a second start or stop.
        const check = ifMatch ? (g: BulkGroupView) => checkIfMatch(ifMatch, g) : undefined;
        const by = { account: actor.name, now: api.now };
        const { group, results } = await api.writer.run((r) => (op === 'start' ? startBulk(r, params.id, by, check) : stopBulk(r, params.id, by, check)));
        const errors = results.filter((x) => x.result === 'error');
        await api.history.record(actor, {
          target: { kind: 'bulk-group', id: params.id },
          siteId: group.siteId,
          ...(scope.voiceGroupId ? { voiceGroupId: scope.voiceGroupId } : {}),
          action: `bulk-group.${op}`,
          before: { state: op === 'start' ? 'stopped' : 'started' },
          after: { state: group.state, done: results.length - errors.length, errors },
        });
        api.log.info({ event: `api.bulk_${op}`, bulkGroup: params.id, members: results.length, errors: errors.length }, `bulk forwarding ${op}`);
        reply.header('ETag', etagOf(group));
        return { ...group, results };
      },
    });
  }
}
