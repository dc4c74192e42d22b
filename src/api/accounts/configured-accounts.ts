import type { Config } from '../../config/schema.js';
import type { AccountStore } from '../../store/account-store.js';

/**
 * Customer accounts from the config (`api.accounts`: examples, first
 * administrators), created at start when missing. An existing account is
 * never changed: its password may have been changed since.
 */
export async function createConfiguredAccounts(accounts: AccountStore, configured: Config['api']['accounts']): Promise<string[]> {
  const created: string[] = [];
  for (const { password, ...account } of configured) {
    // Created only when the name is free (SET NX), never replaced.
    if (await accounts.create(account, password)) created.push(account.name);
  }
  return created;
}
