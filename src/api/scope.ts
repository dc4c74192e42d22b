import { ScopeStore } from '../store/scope-store.js';
import { allowed, CONTRACT_LABEL, isContractAction, type Action, type Actor, type FunctionName, type TargetScope } from './accounts/roles.js';
import { forbidden, notFound } from './errors.js';

/** Finds where a resource lives (its site and voice group) so roles can be checked against it. */
export class Scopes extends ScopeStore {
  /** Throws 404 when the target does not exist (or is outside what the actor may even see), 403 when the role may not act. */
  async authorize(actor: Actor, action: Action, what: string, scope: TargetScope | null): Promise<TargetScope> {
    // Hide other customers' resources entirely: a missing and a foreign target look the same.
    if (!scope || !allowed(actor, 'read', scope)) throw notFound(what);
    if (!allowed(actor, action, scope)) throw refusal(action);
    return scope;
  }
}

/** The 403 for reading a function the account holds no right on ("none"). */
export function noView(fn: FunctionName) {
  return forbidden(`your rights do not include viewing ${fn}`);
}

/** The 403 for an action the role may not take; contract items say whose they are. */
export function refusal(action: Action) {
  return isContractAction(action)
    ? forbidden(`contract item (${CONTRACT_LABEL[action]}): only the operator changes it; order it from your carrier`)
    : forbidden(`your role or rights may not change ${action} here`);
}
