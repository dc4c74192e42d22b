import { z } from 'zod';
import {
  allowed,
  canView,
  FUNCTIONS,
  RIGHTS,
  rightsOf,
  roleMaximum,
  ROLES,
  type Action,
  type Actor,
  type FunctionName,
  type Right,
  type TargetScope,
} from '../accounts/roles.js';
import type { ResourceModule } from '../server.js';
import { editableFeatureFields, shownFeatureFields } from './number-view.js';

/**
 * What the logged-in account may do in its own scope, computed by the same
 * `allowed()` every route checks: the portal offers exactly these actions,
 * and never keeps a copy of the rules.
 */

/** Every action; a Record so that a new Action does not compile until it is listed here. */
const EVERY_ACTION: Record<Action, true> = {
  read: true,
  forwarding: true,
  nuisance: true,
  'anonymous-rejection': true,
  presentation: true,
  'international-bar': true,
  'outgoing-restriction': true,
  'specific-presentation': true,
  'hunt-group': true,
  'bulk-forwarding': true,
  line: true,
  site: true,
  'voice-group': true,
  accounts: true,
  'hunt-group-contract': true,
  'specific-presentation-number': true,
  options: true,
  routing: true,
};
export const ACTIONS = Object.keys(EVERY_ACTION) as Action[];

export interface Capabilities {
  /** Actions its role may take on its own voice group, site or number. */
  actions: Action[];
  /** Feature fields of a number in its scope it may change. */
  featureFields: string[];
  /** Feature fields its role manages that it may at least view: the portal shows these, read-only unless in featureFields. */
  shownFeatureFields: string[];
  /** Functions its role manages that it may at least view: the portal's pages, read-only unless in actions. */
  shownActions: FunctionName[];
  /** Its right on each function: none, view or edit (view and edit), within its role's maximum. */
  rights: Record<FunctionName, Right>;
  /** Roles of the accounts it may create (its own rank and below). */
  accountRoles: Array<(typeof ROLES)[number]>;
  /** Sees every customer, interconnect peers and routes. */
  operator: boolean;
}

export function capabilities(actor: Actor): Capabilities {
  const own: TargetScope = {
    ...(actor.voiceGroupId !== undefined ? { voiceGroupId: actor.voiceGroupId } : {}),
    ...(actor.siteId !== undefined ? { siteId: actor.siteId } : {}),
    ...(actor.number !== undefined ? { number: actor.number } : {}),
  };
  const actions = ACTIONS.filter((a) => allowed(actor, a, own));
  return {
    actions,
    featureFields: editableFeatureFields(actions),
    shownFeatureFields: shownFeatureFields(actor),
    rights: rightsOf(actor),
    shownActions: FUNCTIONS.filter((fn) => roleMaximum(actor.role, fn) === 'edit' && canView(actor, fn)),
    accountRoles: actions.includes('accounts') ? ROLES.slice(ROLES.indexOf(actor.role)) : [],
    operator: actor.role === 'operator',
  };
}

export const capabilitiesResource: ResourceModule = (api) => {
  api.define({
    method: 'GET',
    url: '/me/capabilities',
    tag: 'accounts',
    summary: 'What the logged-in account may do in its own scope (the portal offers exactly this)',
    response: z.object({
      actions: z.array(z.string()),
      featureFields: z.array(z.string()),
      shownFeatureFields: z.array(z.string()),
      shownActions: z.array(z.enum(FUNCTIONS)),
      rights: z.record(z.enum(FUNCTIONS), z.enum(RIGHTS)),
      accountRoles: z.array(z.enum(ROLES)),
      operator: z.boolean(),
    }),
    handler: async ({ actor }) => capabilities(actor),
  });
};
