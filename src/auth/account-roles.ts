/**
 * The management roles, highest first (docs/product.md §6). What each may do
 * is decided in src/api/accounts/roles.ts; the store only checks that a stored
 * account names one of them.
 */
export const ROLES = ['operator', 'voice-group-admin', 'site-admin', 'number-user'] as const;
export type Role = (typeof ROLES)[number];
