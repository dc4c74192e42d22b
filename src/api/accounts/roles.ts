import { FUNCTIONS, RIGHTS, ROLES, type FunctionName, type Right, type Rights, type Role } from '../../auth/account-roles.js';

/**
 * Roles and what each may do (docs/product.md §6). An actor's scope is its voice group,
 * site or number; a target's scope is where the resource lives.
 *
 * Contract items are the operator's: customers order them from the carrier,
 * so no customer role changes them, even inside its own scope. Customers
 * configure only what their numbers have.
 *
 * | action                        | what it covers                                          | operator | vg admin  | site admin | number user |
 * |-------------------------------|---------------------------------------------------------|----------|-----------|------------|-------------|
 * | read                          | GET of anything in scope                                | all      | its group | its site   | its number  |
 * | forwarding                    | forwarding (incl. CSV upload of a site)                 | all      | its group | its site   | its number  |
 * | nuisance                      | nuisance list, block announcement                       | all      | its group | its site   | its number  |
 * | anonymous-rejection           | anonymous-call rejection                                | all      | its group | its site   | its number  |
 * | presentation                  | caller-ID presentation                                  | all      | its group | its site   | its number  |
 * | international-bar             | international-call bar                                  | all      | its group | its site   | -           |
 * | outgoing-restriction          | outgoing restriction                                    | all      | its group | its site   | -           |
 * | specific-presentation         | switch the contracted specific number on/off            | all      | its group | its site   | -           |
 * | hunt-group                    | members, their order, mode, presentation of a group     | all      | its group | its site   | -           |
 * | bulk-forwarding               | bulk groups: create, members, start/stop                | all      | its group | its site   | -           |
 * | site                          | create a site (vg admin), rename it                     | all      | its group | its site   | -           |
 * | accounts                      | accounts: create, delete, reset password, unlock        | all      | its group | its site   | -           |
 * | voice-group                   | rename the voice group (operators create them)          | all      | its group | -          | -           |
 * | line (contract)               | lines, numbers, channels, auth mode, trusted addresses  | all      | -         | -          | -           |
 * | hunt-group-contract (contract)| create a hunt group, change its pilot                   | all      | -         | -          | -           |
 * | specific-presentation-number (contract) | set, change or clear the specific number      | all      | -         | -          | -           |
 * | options (contract)            | which options a number or site has subscribed           | all      | -         | -          | -           |
 * | routing (contract)            | interconnect peers, outbound and emergency routes       | all      | -         | -          | -           |
 *
 * Accounts are further bound by rank: nobody creates or touches an account
 * above its own role, and only operators touch operator accounts.
 *
 * Rights per function (docs/product.md §6): every action of the table but
 * `read` and the contract items is a function, and an account holds "none",
 * "view" or "edit" ("view and edit") on each, at most its role's maximum:
 * "edit" where the table gives the role the action, "view" elsewhere (an
 * account reads everything in its scope). A function the account record does
 * not name is at the maximum, so accounts made before rights existed keep
 * what they had.
 */
export { FUNCTIONS, RIGHTS, ROLES, type FunctionName, type Right, type Rights, type Role };

export interface Actor {
  name: string;
  role: Role;
  voiceGroupId?: string;
  siteId?: string;
  number?: string;
  /** Rights narrowed below the role's maximum; a function left out is at the maximum. */
  rights?: Rights;
}

/** Where a resource lives; fields further down imply the ones above. */
export interface TargetScope {
  voiceGroupId?: string;
  siteId?: string;
  number?: string;
}

export type Action =
  | 'read'
  | 'forwarding'
  | 'nuisance'
  | 'anonymous-rejection'
  | 'presentation'
  | 'international-bar'
  | 'outgoing-restriction'
  | 'specific-presentation'
  | 'hunt-group'
  | 'bulk-forwarding'
  | 'site'
  | 'accounts'
  | 'voice-group'
  | ContractAction;

/** Contract items (docs/product.md §6): the operator's alone. */
export const CONTRACT_ACTIONS = ['line', 'hunt-group-contract', 'specific-presentation-number', 'options', 'routing'] as const;
export type ContractAction = (typeof CONTRACT_ACTIONS)[number];

const NUMBER_USER_ACTIONS: ReadonlySet<Action> = new Set(['read', 'forwarding', 'nuisance', 'anonymous-rejection', 'presentation']);

export function isContractAction(action: Action): action is ContractAction {
  return (CONTRACT_ACTIONS as readonly string[]).includes(action);
}

// --- rights per function (docs/product.md §6) ---

export function isFunction(action: Action): action is FunctionName {
  return (FUNCTIONS as readonly string[]).includes(action);
}

const lower = (a: Right, b: Right): Right => (RIGHTS.indexOf(a) <= RIGHTS.indexOf(b) ? a : b);

/** The most a role may hold on a function: edit where the role may take the action, view elsewhere. */
export function roleMaximum(role: Role, fn: FunctionName): Right {
  switch (role) {
    case 'operator':
    case 'voice-group-admin':
      return 'edit';
    case 'site-admin':
      return fn === 'voice-group' ? 'view' : 'edit';
    case 'number-user':
      return NUMBER_USER_ACTIONS.has(fn) ? 'edit' : 'view';
  }
}

/** The account's right on a function: what its record says, never above its role's maximum. */
export function rightOf(actor: Actor, fn: FunctionName): Right {
  const max = roleMaximum(actor.role, fn);
  const own = actor.rights?.[fn];
  return own === undefined ? max : lower(own, max);
}

export function canView(actor: Actor, fn: FunctionName): boolean {
  return rightOf(actor, fn) !== 'none';
}

/** Every function's right of the account (for GET /me/capabilities and the portal). */
export function rightsOf(actor: Actor): Record<FunctionName, Right> {
  return Object.fromEntries(FUNCTIONS.map((fn) => [fn, rightOf(actor, fn)])) as Record<FunctionName, Right>;
}

/**
 * The rights `granter` gives an account of `role`: each function at what is
 * asked, or the role's maximum when not asked, never above the granter's own
 * right (an unnamed function is capped silently). Asking for more than the
 * role's maximum or the granter's right is a problem, named by its field.
 * Only rights below the role's maximum are kept (the rest is implied).
 */
export function grantRights(granter: Actor, role: Role, asked: Rights): { rights: Rights; problems: string[] } {
  const rights: Rights = {};
  const problems: string[] = [];
  for (const fn of FUNCTIONS) {
    const max = roleMaximum(role, fn);
    const mine = rightOf(granter, fn);
    const want = asked[fn];
    if (want !== undefined && lower(want, max) !== want) problems.push(`rights.${fn}: at most ${max} for the role ${role}`);
    else if (want !== undefined && lower(want, mine) !== want) problems.push(`rights.${fn}: more than your own right (${mine})`);
    const given = lower(want ?? max, mine);
    if (given !== max) rights[fn] = given;
  }
  return { rights, problems };
}

/** Whether `actor` holds at least every right `account` has (so managing it reaches nothing more). */
export function coversRights(actor: Actor, account: Actor): boolean {
  return FUNCTIONS.every((fn) => lower(rightOf(account, fn), rightOf(actor, fn)) === rightOf(account, fn));
}

export function allowed(actor: Actor, action: Action, target: TargetScope): boolean {
  if (isFunction(action) && rightOf(actor, action) !== 'edit') return false;
  if (actor.role === 'operator') return true;
  if (isContractAction(action)) return false;
  switch (actor.role) {
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

/** Lower is higher: operator 0 ... number user 3. */
export function rank(role: Role): number {
  return ROLES.indexOf(role);
}

/** An actor never acts on an account above its own role (and only operators on operators). */
export function outranks(actor: Actor, role: Role): boolean {
  return rank(role) >= rank(actor.role) && (role !== 'operator' || actor.role === 'operator');
}

/** Why a contract item is refused, for the 403 message. */
export const CONTRACT_LABEL: Record<ContractAction, string> = {
  line: 'lines, their numbers, channels, authentication and trusted addresses',
  'hunt-group-contract': 'creating a hunt group and its pilot',
  'specific-presentation-number': 'the specific-presentation number',
  options: 'which options a number or site has subscribed',
  routing: 'peers and routes',
};
