import { z } from 'zod';
import { OrganisationStore } from '../../store/organisation-store.js';
import { allowed } from '../accounts/roles.js';
import { etagOf, checkIfMatch } from '../etag.js';
import { badRequest, conflict, notFound } from '../errors.js';
import type { ApiContext, ResourceModule } from '../server.js';
import { applyChange, siteDocument, siteParents, SITE_PATH } from './provisioning-change.js';
import {
  allSiteIds,
  lineView,
  readAll,
  readLine,
  readLineRecord,
  readSite,
  readVoiceGroup,
  siteView,
  toLineView,
  voiceGroupView,
} from './organisation-views.js';

/**
 * Voice groups and sites (docs/product.md §2, §6). Writes are PUTs of the whole
 * resource: to update, send `If-Match` with the ETag you read (428 without,
 * 412 when stale); to create, send no `If-Match` (412 if you send one for
 * something that does not exist). 201 on creation, 200 on update.
 */

const idParam = z.object({ id: z.string() });

export const organisationResources: ResourceModule = (api) => {
  voiceGroups(api);
  sites(api);
  lines(api);
};

function voiceGroups(api: ApiContext): void {
  api.define({
    method: 'GET',
    url: '/voice-groups',
    tag: 'organisation',
    summary: 'Voice groups you can see',
    response: z.array(voiceGroupView),
    handler: async ({ actor }) => {
      const ids = (await new OrganisationStore(api.redis).voiceGroupIds()).filter((id) => allowed(actor, 'read', { voiceGroupId: id }));
      return readAll(ids, (id) => readVoiceGroup(api.redis, id));
    },
  });

  api.define({
    method: 'GET',
    url: '/voice-groups/:id',
    tag: 'organisation',
    summary: 'One voice group (ETag for PUT)',
    params: idParam,
    response: voiceGroupView,
    handler: async ({ actor, params }, reply) => {
      await api.scopes.authorize(actor, 'read', 'voice group', await api.scopes.ofVoiceGroup(params.id));
      const vg = await readVoiceGroup(api.redis, params.id);
      if (!vg) throw notFound('voice group');
      reply.header('ETag', etagOf(vg));
      return vg;
    },
  });

  api.define({
    method: 'PUT',
    url: '/voice-groups/:id',
    tag: 'organisation',
    summary: 'Create (operator) or rename (operator, its voice-group admin) a voice group',
    params: idParam,
    body: z.strictObject({ name: z.string().describe('1-200 characters') }),
    response: voiceGroupView,
    handler: async ({ actor, params, body, ifMatch }, reply) => {
      const { before, after } = await api.writer.run(async (r) => {
        const before = await readVoiceGroup(r, params.id);
        if (before) {
          await api.scopes.authorize(actor, 'voice-group', 'voice group', { voiceGroupId: params.id });
          checkIfMatch(ifMatch, before);
        } else {
          // Only operators create voice groups; to anyone else a voice group that is not there is just not found.
          if (actor.role !== 'operator') throw notFound('voice group');
          if (ifMatch) throw conflict('it does not exist (any more); create it without If-Match');
        }
        await applyChange(api, r, { voiceGroups: [{ id: params.id, name: body.name }] }, 'voiceGroups[0]', 'voice group');
        return { before, after: (await readVoiceGroup(r, params.id))! };
      });
      await api.history.record(actor, { target: { kind: 'voice-group', id: params.id }, voiceGroupId: params.id, action: 'voice-group.put', before, after });
      if (!before) reply.status(201);
      reply.header('ETag', etagOf(after));
      return after;
    },
  });
}

function sites(api: ApiContext): void {
  api.define({
    method: 'GET',
    url: '/voice-groups/:id/sites',
    tag: 'organisation',
    summary: 'Sites of a voice group',
    params: idParam,
    response: z.array(siteView),
    handler: async ({ actor, params }) => {
      await api.scopes.authorize(actor, 'read', 'voice group', await api.scopes.ofVoiceGroup(params.id));
      const all = await readAll(await allSiteIds(api.redis), (id) => readSite(api.redis, id));
      return all.filter((s) => s.voiceGroupId === params.id);
    },
  });

  api.define({
    method: 'GET',
    url: '/sites/:id',
    tag: 'organisation',
    summary: 'One site (ETag for PUT)',
    params: idParam,
    response: siteView,
    handler: async ({ actor, params }, reply) => {
      await api.scopes.authorize(actor, 'read', 'site', await api.scopes.ofSite(params.id));
      const site = await readSite(api.redis, params.id);
      if (!site) throw notFound('site');
      reply.header('ETag', etagOf(site));
      return site;
    },
  });

  api.define({
    method: 'PUT',
    url: '/sites/:id',
    tag: 'organisation',
    summary: 'Create (operator, voice-group admin) or rename (also its site admin) a site; the id is 7 digits',
    params: idParam,
    body: z.strictObject({
      voiceGroupId: z.string().describe('the voice group the site belongs to; fixed once created'),
      name: z.string().describe('1-200 characters'),
    }),
    response: siteView,
    handler: async ({ actor, params, body, ifMatch }, reply) => {
      const { before, after } = await api.writer.run(async (r) => {
        const before = await readSite(r, params.id);
        if (before) {
          await api.scopes.authorize(actor, 'site', 'site', { voiceGroupId: before.voiceGroupId, siteId: params.id });
          if (body.voiceGroupId !== before.voiceGroupId) {
            throw badRequest('invalid site', [
              `voiceGroupId: site ${params.id} belongs to voice group ${before.voiceGroupId}; a site cannot move to another voice group`,
            ]);
          }
          checkIfMatch(ifMatch, before);
        } else {
          const vg = await api.scopes.ofVoiceGroup(body.voiceGroupId);
          await api.scopes.authorize(actor, 'site', 'voice group', vg && { ...vg, siteId: params.id });
          if (ifMatch) throw conflict('it does not exist (any more); create it without If-Match');
        }
        const vg = (await readVoiceGroup(r, body.voiceGroupId))!;
        const doc = { voiceGroups: [{ id: vg.id, name: vg.name, sites: [{ id: params.id, name: body.name }] }] };
        await applyChange(api, r, doc, SITE_PATH, 'site');
        return { before, after: (await readSite(r, params.id))! };
      });
      await api.history.record(actor, {
        target: { kind: 'site', id: params.id },
        siteId: params.id,
        voiceGroupId: after.voiceGroupId,
        action: 'site.put',
        before,
        after,
      });
      if (!before) reply.status(201);
      reply.header('ETag', etagOf(after));
      return after;
    },
  });
}

const lineBody = z.strictObject({
  siteId: z.string().describe('the site the line belongs to; fixed once created'),
  auth: z.enum(['digest', 'ip']),
  password: z
    .string()
    .optional()
    .describe(
      'digest lines: 8-128 printable characters, stored only as HA1; required on creation and when switching to digest, optional otherwise (keeps the current one)',
    ),
  allowedAddresses: z.array(z.string()).optional().describe('ip lines: trusted source addresses (at least one)'),
  channels: z.number().int().describe('simultaneous calls, 1-1000'),
  basicNumber: z.string().describe('national number, e.g. 0312345678 (hyphens and +81 accepted)'),
  dialInNumbers: z.array(z.string()).optional().describe('further numbers delivered on the line; default []'),
  delivery: z
    .enum(['number', 'contact'])
    .optional()
    .describe('number (default): the called number as Request-URI user, for a PBX or gateway; contact: the registered Contact as it is, for a single phone'),
});

function lines(api: ApiContext): void {
  api.define({
    method: 'GET',
    url: '/lines/:sipId',
    tag: 'organisation',
    summary: 'One line, without credentials (ETag for PUT)',
    params: z.object({ sipId: z.string() }),
    response: lineView,
    handler: async ({ actor, params }, reply) => {
      await api.scopes.authorize(actor, 'read', 'line', await api.scopes.ofLine(params.sipId));
      const line = await readLine(api.redis, params.sipId);
      if (!line) throw notFound('line');
      reply.header('ETag', etagOf(line));
      return line;
    },
  });

  api.define({
    method: 'PUT',
    url: '/lines/:sipId',
    tag: 'organisation',
    summary:
      'Create or replace a line (operator only: lines, numbers, channels, authentication and trusted addresses are contract items); the password is stored as HA1 only and never shown',
    params: z.object({ sipId: z.string() }),
    body: lineBody,
    response: lineView,
    handler: async ({ actor, params, body, ifMatch }, reply) => {
      const { before, after } = await api.writer.run(async (r) => {
        const stored = await readLineRecord(r, params.sipId);
        if (stored) {
          await api.scopes.authorize(actor, 'line', 'line', { voiceGroupId: stored.voiceGroupId, siteId: stored.siteId });
          if (body.siteId !== stored.siteId) {
            throw badRequest('invalid line', [`siteId: line ${params.sipId} belongs to site ${stored.siteId}; a line cannot move to another site`]);
          }
          checkIfMatch(ifMatch, toLineView(stored));
        } else {
          await api.scopes.authorize(actor, 'line', 'site', await api.scopes.ofSite(body.siteId));
          if (ifMatch) throw conflict('it does not exist (any more); create it without If-Match');
        }
        // No password: a digest line keeps its HA1 (only while it was made for the realm in use).
        const keep =
          body.auth === 'digest' &&
          body.password === undefined &&
          stored?.auth === 'digest' &&
          stored.realm === api.config.sip.realm &&
          stored.ha1Md5 &&
          stored.ha1Sha256;
        const line = {
          sipId: params.sipId,
          auth: body.auth,
          channels: body.channels,
          basicNumber: body.basicNumber,
          dialInNumbers: body.dialInNumbers ?? [],
          ...(body.password !== undefined ? { password: body.password } : {}),
          ...(keep ? { ha1Md5: stored.ha1Md5, ha1Sha256: stored.ha1Sha256 } : {}),
          ...(body.allowedAddresses !== undefined ? { allowedAddresses: body.allowedAddresses } : {}),
          ...(body.delivery !== undefined ? { delivery: body.delivery } : {}),
        };
        await applyChange(api, r, siteDocument(await siteParents(r, body.siteId), { lines: [line] }), `${SITE_PATH}.lines[0]`, 'line');
        return { before: stored && toLineView(stored), after: (await readLine(r, params.sipId))! };
      });
      await api.history.record(actor, {
        target: { kind: 'line', id: params.sipId },
        siteId: after.siteId,
        voiceGroupId: after.voiceGroupId,
        action: 'line.put',
        before,
        after: { ...after, ...(body.password !== undefined ? { passwordChanged: true } : {}) },
      });
      if (!before) reply.status(201);
      reply.header('ETag', etagOf(after));
      return after;
    },
  });
}
