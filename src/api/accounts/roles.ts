/**
 * Roles and what each may do (spec §6). An actor's scope is its voice group,
 * site or number; a target's scope is where the resource lives.
 */
export const ROLES = ['operator', 'voice-group-admin', 'site-admin', 'number-user'] as const;
export type Role = (typeof ROLES)[number];

export interface Actor {
  name: string;
  role: Role;
  voiceGroupId?: string;
  siteId?: string;
  number?: string;
}

/** Where a resource lives; fields further down imply the ones above. */
export interface TargetScope {
  voiceGroupId?: string;
  siteId?: string;
  number?: string;
}

/**
 * What is being done. Number users may only touch their own number's
 * forwarding, nuisance list, anonymous rejection and caller-ID presentation.
 */
export type Action =
  | 'read'
  | 'forwarding' | 'nuisance' | 'anonymous-rejection' | 'presentation'
  | 'international-bar' | 'outgoing-restriction' | 'specific-presentation'
  | 'hunt-group' | 'bulk-forwarding'
  | 'line' | 'site' | 'voice-group' | 'accounts';

const NUMBER_USER_ACTIONS: ReadonlySet<Action> = new Set(['read', 'forwarding', 'nuisance', 'anonymous-rejection', 'presentation']);

export function allowed(actor: Actor, action: Action, target: TargetScope): boolean {
  switch (actor.role) {
    case 'operator':
      return true;
    case 'voice-group-admin':
      // Everything in its voice group (a new voice group is never "its" one).
      return target.voiceGroupId !== undefined && target.voiceGroupId === actor.voiceGroupId;
    case 'site-admin':
      // Everything in its site; nothing at voice-group level.
      return action !== 'voice-group' && target.siteId !== undefined && target.siteId === actor.siteId;
    case 'number-user':
      return NUMBER_USER_ACTIONS.has(action) && target.number !== undefined && target.number === actor.number;
  }
}
