import { z } from 'zod';
import { toActor, type AccountRecord } from '../../store/account-store.js';
import { passwordProblem } from '../../auth/account-passwords.js';
import {
  allowed,
  canView,
  FUNCTIONS,
  coversRights,
  grantRights,
  outranks,
  RIGHTS,
  ROLES,
  type Actor,
  type Rights,
  type TargetScope,
} from '../accounts/roles.js';
import { ApiError, badRequest, forbidden, locked, notFound, unauthorized } from '../errors.js';
import type { ApiContext, ResourceModule } from '../server.js';
import type { Scopes } from '../scope.js';

/**
 * Management accounts (docs/product.md §6, §7). Accounts are immutable except their
 * password: to change an account's role or scope, delete it and create
 * another (simple, and no path to move an account out of anyone's reach).
 *
 * - Creating never replaces an existing account (409).
 * - Deleting, resetting a password and unlocking need rights over the
 *   account's scope (404 outside it), and nobody acts on or creates an
 *   account above its own role; only operators touch operator accounts.
 * - Every password change renews the account's token generation: the
 *   tokens issued before stop working on every node.
 * - Logins count failures atomically in Redis for any name, known or not,
 *   and answer alike either way.
 */

const NAME = /^[A-Za-z0-9._@-]{3,64}$/;

const rightsSchema = z
  .partialRecord(z.enum(FUNCTIONS), z.enum(RIGHTS))
  .describe("right per function: none, view or edit (view and edit); a function left out is at the role's maximum");

export const actorSchema = z.object({
  name: z.string(),
  role: z.enum(ROLES),
  voiceGroupId: z.string().optional(),
  siteId: z.string().optional(),
  number: z.string().optional(),
  rights: rightsSchema.optional(),
});

const newAccountSchema = z.strictObject({
  name: z.string().regex(NAME, { error: 'must be 3-64 characters of A-Z a-z 0-9 . _ @ -' }),
  password: z.string(),
  role: z.enum(ROLES),
  voiceGroupId: z.string().optional(),
  siteId: z.string().optional(),
  number: z.string().optional(),
  rights: z
    .strictObject(Object.fromEntries(FUNCTIONS.map((f) => [f, z.enum(RIGHTS).optional()])))
    .optional()
    .describe(rightsSchema.description ?? ''),
});

const nameParam = z.object({ name: z.string() });
const tokenView = z.object({ token: z.string(), expiresAt: z.string() });

const LOCKED_MESSAGE = 'account locked after three wrong passwords; try again in 15 minutes or ask an administrator to unlock it';

export const accountResources: ResourceModule = (api) => {
  const issue = (record: { name: string }, generation: string) => {
    const { token, expiresAt } = api.tokens.issue(record.name, generation);
    return { token, expiresAt: new Date(expiresAt).toISOString() };
  };

  api.define({
    method: 'POST',
    url: '/auth/login',
    tag: 'accounts',
    summary: 'Log in; returns a bearer token',
    auth: false,
    body: z.strictObject({ name: z.string().min(1).max(64), password: z.string().min(1).max(1024) }),
    response: tokenView.extend({ account: actorSchema }),
    handler: async ({ body, address }) => {
      const result = await api.accounts.login(body.name, body.password);
      if (!result.ok) {
        api.summary.warn({ event: 'security.api_login_failed', address, account: body.name, reason: result.why }, 'management login failed', [
          'account',
          'reason',
        ]);
        // The same answer for an unknown name and a wrong password, locked or not.
        if (result.why === 'locked') throw locked(LOCKED_MESSAGE);
        throw unauthorized('wrong name or password');
      }
      return { ...issue(result.actor, result.tokenGeneration), account: result.actor };
    },
  });

  api.define({
    method: 'GET',
    url: '/me',
    tag: 'accounts',
    summary: 'The logged-in account',
    response: actorSchema,
    handler: async ({ actor }) => actor,
  });

  api.define({
    method: 'PUT',
    url: '/me/password',
    tag: 'accounts',
    summary: 'Change your own password (give the current one); every token issued before stops working, the answer carries a new one',
    body: z.strictObject({ currentPassword: z.string().min(1).max(1024), newPassword: z.string() }),
    response: tokenView,
    handler: async ({ actor, body }) => {
      const problem = passwordProblem(body.newPassword);
      if (problem) throw badRequest('invalid password', [`newPassword: ${problem}`]);
      // Counts as a login: a stolen token does not open unlimited guesses at the password.
      const check = await api.accounts.login(actor.name, body.currentPassword);
      if (!check.ok) {
        api.log.warn({ event: 'security.api_password_change_refused', account: actor.name, reason: check.why }, 'own password change refused');
        if (check.why === 'locked') throw locked(LOCKED_MESSAGE);
        throw forbidden('currentPassword is wrong');
      }
      if (!(await api.accounts.setPassword(actor.name, body.newPassword))) throw unauthorized();
      const record = (await api.accounts.get(actor.name))!;
      api.log.info({ event: 'api.password_changed', account: actor.name, by: actor.name }, 'password changed; older tokens revoked');
      return issue(record, record.tokenGeneration);
    },
  });

  api.define({
    method: 'GET',
    url: '/accounts',
    tag: 'accounts',
    summary: 'Accounts the caller may manage (and its own)',
    response: z.array(actorSchema),
    handler: async ({ actor }) => {
      const all = await api.accounts.list();
      if (!canView(actor, 'accounts')) return all.filter((a) => a.name === actor.name);
      const manageable = await Promise.all(all.map((a) => mayManage(api.scopes, actor, a)));
      return all.filter((a, i) => a.name === actor.name || manageable[i]);
    },
  });

  api.define({
    method: 'POST',
    url: '/accounts',
    tag: 'accounts',
    summary: 'Create an account within your scope, at most your own role (409 if the name is taken; accounts are never replaced)',
    status: 201,
    body: newAccountSchema,
    response: actorSchema,
    handler: async ({ actor, body }) => {
      const problem = passwordProblem(body.password);
      if (problem) throw badRequest('invalid account', [`password: ${problem}`]);
      const target: Actor = toActor(body);
      const scope = await accountScope(api.scopes, target);
      if (!scope) throw badRequest('invalid account', [SCOPE_FIELD[target.role]]);
      if (!outranks(actor, target.role) || !allowed(actor, 'accounts', scope)) {
        refused(api, actor, 'create', target.name, 'above the role or outside the scope of the caller');
        throw forbidden('you may not create that account');
      }
      const { rights, problems } = grantRights(actor, target.role, target.rights ?? {});
      if (problems.length) {
        refused(api, actor, 'create', target.name, "rights above the role maximum or the caller's own");
        throw new ApiError(403, 'forbidden', 'you may not give those rights', problems);
      }
      delete target.rights;
      if (Object.keys(rights).length) target.rights = rights;
      if (!(await api.accounts.create(target, body.password))) {
        refused(api, actor, 'create', target.name, 'name taken');
        throw new ApiError(409, 'conflict', `account ${target.name} exists; accounts are never replaced (delete it first if it is yours)`);
      }
      api.log.info({ event: 'api.account_created', account: target.name, role: target.role, by: actor.name }, 'account created');
      return target;
    },
  });

  api.define({
    method: 'DELETE',
    url: '/accounts/:name',
    tag: 'accounts',
    summary: 'Delete an account within your scope, at most your own role',
    params: nameParam,
    response: z.object({ deleted: z.string() }),
    handler: async ({ actor, params }) => {
      await managed(api, actor, params.name, 'delete');
      await api.accounts.remove(params.name);
      api.log.info({ event: 'api.account_deleted', account: params.name, by: actor.name }, 'account deleted');
      return { deleted: params.name };
    },
  });

  api.define({
    method: 'PUT',
    url: '/accounts/:name/rights',
    tag: 'accounts',
    summary:
      "Set another account's rights per function (none, view, edit) within your scope: each at most its role's maximum and your own right; never your own",
    params: nameParam,
    body: z.strictObject({ rights: newAccountSchema.shape.rights.unwrap() }),
    response: actorSchema,
    handler: async ({ actor, params, body }) => {
      if (params.name === actor.name) {
        refused(api, actor, 'set rights', params.name, 'own account');
        throw forbidden('nobody sets their own rights; ask an administrator above you');
      }
      const record = await managed(api, actor, params.name, 'set rights');
      const asked = Object.fromEntries(Object.entries(body.rights).filter(([, v]) => v !== undefined)) as Rights;
      const { rights, problems } = grantRights(actor, record.role, asked);
      if (problems.length) {
        refused(api, actor, 'set rights', params.name, "rights above the role maximum or the caller's own");
        throw new ApiError(403, 'forbidden', 'you may not give those rights', problems);
      }
      if (!(await api.accounts.setRights(params.name, rights))) throw notFound('account');
      const scope = await accountScope(api.scopes, record);
      await api.history.record(actor, {
        target: { kind: 'account', id: params.name },
        ...(scope?.siteId ? { siteId: scope.siteId } : {}),
        ...(scope?.voiceGroupId ? { voiceGroupId: scope.voiceGroupId } : {}),
        action: 'account.rights',
        before: { rights: record.rights ?? {} },
        after: { rights },
      });
      api.log.info({ event: 'api.account_rights_changed', account: params.name, by: actor.name, rights }, 'account rights changed');
      return toActor((await api.accounts.get(params.name))!);
    },
  });

  api.define({
    method: 'PUT',
    url: '/accounts/:name/password',
    tag: 'accounts',
    summary: "Reset another account's password within your scope (operators, admins); its tokens stop working. Your own: PUT /me/password",
    params: nameParam,
    body: z.strictObject({ password: z.string() }),
    response: z.object({ name: z.string(), passwordReset: z.literal(true) }),
    handler: async ({ actor, params, body }) => {
      if (params.name === actor.name) throw forbidden('change your own password with PUT /me/password and your current password');
      await managed(api, actor, params.name, 'reset password');
      const problem = passwordProblem(body.password);
      if (problem) throw badRequest('invalid password', [`password: ${problem}`]);
      if (!(await api.accounts.setPassword(params.name, body.password))) throw notFound('account');
      api.log.info({ event: 'api.password_reset', account: params.name, by: actor.name }, 'password reset; older tokens revoked');
      return { name: params.name, passwordReset: true as const };
    },
  });

  api.define({
    method: 'POST',
    url: '/accounts/:name/unlock',
    tag: 'accounts',
    summary: 'Lift the lock of an account within your scope (operators, admins)',
    params: nameParam,
    response: z.object({ name: z.string(), unlocked: z.literal(true) }),
    handler: async ({ actor, params }) => {
      await managed(api, actor, params.name, 'unlock');
      await api.accounts.unlock(params.name);
      api.log.info({ event: 'api.account_unlocked', account: params.name, by: actor.name }, 'account unlocked');
      return { name: params.name, unlocked: true as const };
    },
  });
};

const SCOPE_FIELD: Record<Actor['role'], string> = {
  operator: '(account): operators have no scope',
  'voice-group-admin': 'voiceGroupId: must name an existing voice group',
  'site-admin': 'siteId: must name an existing site',
  'number-user': 'number: must name an existing number',
};

function refused(api: ApiContext, actor: Actor, what: string, account: string, reason: string): void {
  api.log.warn({ event: 'security.api_account_refused', by: actor.name, role: actor.role, action: what, account, reason }, 'account change refused');
}

/** The stored account if the actor may manage it; 404 otherwise (a foreign account looks like a missing one). */
async function managed(api: ApiContext, actor: Actor, name: string, what: string): Promise<AccountRecord> {
  const record = await api.accounts.get(name);
  if (!record || !(await mayManage(api.scopes, actor, record))) {
    if (record) refused(api, actor, what, name, 'outside the scope or above the role of the caller');
    throw notFound('account');
  }
  return record;
}

/** Rights over the account's current scope, the account not above the actor's role, nor holding a right the actor lacks. */
async function mayManage(scopes: Scopes, actor: Actor, account: Actor): Promise<boolean> {
  // Never an account with a right the actor lacks: resetting its password would reach that right.
  if (!outranks(actor, account.role) || !coversRights(actor, account)) return false;
  if (actor.role === 'operator') return true;
  const scope = await accountScope(scopes, account);
  return scope !== null && allowed(actor, 'accounts', scope);
}

/** The scope an account lives in, checked against what exists (a number user's number fixes its site and voice group); null if gone. */
async function accountScope(scopes: Scopes, account: Actor): Promise<TargetScope | null> {
  switch (account.role) {
    case 'operator':
      return {};
    case 'voice-group-admin':
      return account.voiceGroupId ? scopes.ofVoiceGroup(account.voiceGroupId) : null;
    case 'site-admin':
      return account.siteId ? scopes.ofSite(account.siteId) : null;
    case 'number-user':
      return account.number ? scopes.ofNumber(account.number) : null;
  }
}
