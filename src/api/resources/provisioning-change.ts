import type { Redis } from 'ioredis';
import { applyProvisioning, ProvisioningError } from '../../provisioning/apply.js';
import { OrganisationStore } from '../../store/organisation-store.js';
import { ApiError, badRequest, notFound } from '../errors.js';
import type { ApiContext } from '../server.js';

/**
 * API writes as small provisioning documents, so the API and
 * `npm run provision` share one validation and one all-or-nothing apply.
 * Call these inside `api.writer.run` with its connection.
 */

/** Applies `doc`; a refused document becomes 400 with issues named as in the request body. */
export async function applyChange(api: ApiContext, r: Redis, doc: unknown, prefix: string, label: string): Promise<void> {
  try {
    await applyProvisioning(r, api.config, doc, api.log, api.now, { managementLockHeld: true });
  } catch (err) {
    if (err instanceof ProvisioningError) throw badRequest(`invalid ${label}`, rebaseIssues(err.issues, prefix, label));
    throw err;
  }
}

/**
 * `voiceGroups[0].sites[0].lines[0].dialInNumbers[1]: ...` -> `dialInNumbers[1]: ...`:
 * the document's nesting is ours, not the caller's. An issue about the whole
 * entity reads `{label}: ...`. API bodies carry passwords only, never HA1.
 */
export function rebaseIssues(issues: readonly string[], prefix: string, label: string): string[] {
  return issues.map((issue) => {
    let out = issue;
    if (prefix !== '' && issue.startsWith(prefix)) {
      const rest = issue.slice(prefix.length);
      if (rest.startsWith('.')) out = rest.slice(1);
      else if (rest.startsWith(':')) out = `${label}${rest}`;
    }
    // Messages may name another field of the document too ("also at ...").
    if (prefix !== '') out = out.split(`${prefix}.`).join('');
    return out.replace(' (or ha1Md5 + ha1Sha256)', '');
  });
}

/** 409: the state of the resource does not allow the operation now (not a stale ETag: that is 412). */
export const stateConflict = (message: string) => new ApiError(409, 'conflict', message);

export interface SiteParents {
  voiceGroup: { id: string; name: string };
  site: { id: string; name: string };
}

/** The voice group and site records a document must repeat (unchanged) to reach something inside the site. */
export async function siteParents(r: Redis, siteId: string): Promise<SiteParents> {
  const records = new OrganisationStore(r);
  const site = await records.site(siteId);
  if (!site) throw notFound('site');
  const vgId = site.voiceGroupId;
  return { voiceGroup: { id: vgId, name: (await records.voiceGroup(vgId))?.name ?? vgId }, site: { id: siteId, name: site.name ?? siteId } };
}

/** `{ voiceGroups: [{ ..., sites: [{ ..., ...content }] }] }`; entities inside are at `voiceGroups[0].sites[0]`. */
export function siteDocument(p: SiteParents, content: Record<string, unknown>): unknown {
  return { voiceGroups: [{ id: p.voiceGroup.id, name: p.voiceGroup.name, sites: [{ id: p.site.id, name: p.site.name, ...content }] }] };
}

export const SITE_PATH = 'voiceGroups[0].sites[0]';
