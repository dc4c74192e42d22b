/**
 * The management roles, highest first (docs/product.md §6). What each may do
 * is decided in src/api/accounts/roles.ts; the store only checks that a stored
 * account names one of them.
 */
export const ROLES = ['operator', 'voice-group-admin', 'site-admin', 'number-user'] as const;
export type Role = (typeof ROLES)[number];

/**
 * The functions an account holds a right on ("none", "view", "edit" = view
 * and edit), within its role's maximum (src/api/accounts/roles.ts).
 */
export const FUNCTIONS = [
  'forwarding',
  'nuisance',
  'anonymous-rejection',
  'presentation',
  'international-bar',
  'outgoing-restriction',
  'specific-presentation',
  'hunt-group',
  'bulk-forwarding',
  'site',
  'accounts',
  'voice-group',
] as const;
export type FunctionName = (typeof FUNCTIONS)[number];
export const RIGHTS = ['none', 'view', 'edit'] as const;
export type Right = (typeof RIGHTS)[number];
export type Rights = Partial<Record<FunctionName, Right>>;
