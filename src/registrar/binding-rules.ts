import { detached, parseUri, type NameAddr } from '../core/messages/index.js';
import type { Binding } from './binding.js';

/**
 * RFC 3261 §10.3 steps 6–8 as a pure function: given the live bindings of a
 * line and a REGISTER, say what the bindings become, or why the request fails.
 */
export interface RegistrarLimits {
  minExpires: number;
  maxExpires: number;
  defaultExpires: number;
  maxContacts: number;
}

export interface RegisterInput {
  /** '*' for Contact: *, [] for a query. */
  contacts: '*' | NameAddr[];
  /** The Expires header, when present. */
  expiresHeader: string | undefined;
  callId: string;
  cseq: number;
  now: number;
  /** Fields copied onto every new or refreshed binding. */
  template: Pick<Binding, 'path' | 'source' | 'userAgent'>;
}

export type RegisterDecision =
  | {
      ok: true;
      bindings: Binding[];
      added: Binding[];
      refreshed: Binding[];
      removed: Binding[];
    }
  | { ok: false; status: 400 | 403 | 423 | 500; reason: string; minExpires?: number };

const MAX_EXPIRES_VALUE = 2 ** 32 - 1;

export function applyRegister(current: readonly Binding[], input: RegisterInput, limits: RegistrarLimits): RegisterDecision {
  const live = current.filter((b) => b.expiresAt > input.now);
  const headerExpires = parseDeltaSeconds(input.expiresHeader);

  if (input.contacts === '*') {
    // §10.3 step 6: "*" only with Expires: 0, and removes everything the ordering rules allow.
    if (headerExpires !== 0) return { ok: false, status: 400, reason: 'Contact: * requires Expires: 0' };
    for (const binding of live) {
      if (binding.callId === input.callId && input.cseq <= binding.cseq) {
        return { ok: false, status: 500, reason: 'Out of order request' };
      }
    }
    return { ok: true, bindings: [], added: [], refreshed: [], removed: [...live] };
  }

  const byKey = new Map(live.map((b) => [b.key, b]));
  const added: Binding[] = [];
  const refreshed: Binding[] = [];
  const removed: Binding[] = [];
  const seen = new Set<string>();

  for (const contact of input.contacts) {
    const uri = parseUri(contact.uri);
    if (!uri) return { ok: false, status: 400, reason: 'Bad Contact URI' };
    const q = parseQ(contact.params.q);
    if (q === null) return { ok: false, status: 400, reason: 'Bad q-value' };

    // Contact expires parameter, then Expires header, then our default (§10.2.1.1); malformed counts as absent.
    let expires = parseDeltaSeconds(paramValue(contact.params.expires)) ?? headerExpires ?? limits.defaultExpires;
    if (expires !== 0 && expires < limits.minExpires) {
      return { ok: false, status: 423, reason: 'Interval Too Brief', minExpires: limits.minExpires };
    }
    expires = Math.min(expires, limits.maxExpires);

    const instance = paramValue(contact.params['+sip.instance']);
    const regId = paramValue(contact.params['reg-id']);
    const key = instance && regId ? `${instance}|${regId}` : normalizeContactKey(contact.uri);
    if (seen.has(key)) continue; // the same contact twice in one request: first one wins
    seen.add(key);

    const existing = byKey.get(key);
    if (existing && existing.callId === input.callId && input.cseq <= existing.cseq) {
      return { ok: false, status: 500, reason: 'Out of order request' };
    }
    if (expires === 0) {
      if (existing) {
        removed.push(existing);
        byKey.delete(key);
      }
      continue;
    }
    // A binding outlives its REGISTER (the node keeps a copy of each line's set): its strings are detached from the message's text.
    const binding: Binding = {
      key: detached(key),
      uri: detached(contact.uri),
      ...(q !== undefined ? { q } : {}),
      expiresAt: input.now + expires * 1000,
      callId: detached(input.callId),
      cseq: input.cseq,
      path: input.template.path.map(detached),
      source: input.template.source,
      ...(instance ? { instance: detached(instance) } : {}),
      ...(regId ? { regId: detached(regId) } : {}),
      ...(input.template.userAgent ? { userAgent: detached(input.template.userAgent) } : {}),
      registeredAt: existing?.registeredAt ?? input.now,
    };
    (existing ? refreshed : added).push(binding);
    byKey.set(key, binding);
  }

  const bindings = [...byKey.values()];
  if (added.length > 0 && bindings.length > limits.maxContacts) {
    return { ok: false, status: 403, reason: `Too many contacts (limit ${limits.maxContacts})` };
  }
  return { ok: true, bindings, added, refreshed, removed };
}

/** delta-seconds (RFC 3261 §25.1); values past 2^32-1 are malformed. */
export function parseDeltaSeconds(value: string | undefined | null): number | undefined {
  if (value === undefined || value === null) return undefined;
  const trimmed = value.trim();
  if (!/^\d{1,10}$/.test(trimmed)) return undefined;
  const n = Number(trimmed);
  return n > MAX_EXPIRES_VALUE ? undefined : n;
}

/** q-value (RFC 3261 §25.1): 0..1 with up to three decimals. undefined when absent, null when malformed. */
export function parseQ(value: string | null | undefined): number | undefined | null {
  if (value === undefined) return undefined;
  if (value === null || !/^(0(\.\d{0,3})?|1(\.0{0,3})?)$/.test(value.trim())) return null;
  return Number(value);
}

function paramValue(value: string | null | undefined): string | undefined {
  if (value === undefined || value === null) return undefined;
  return value.replace(/^"(.*)"$/, '$1');
}

/**
 * A key that is the same for contacts RFC 3261 §19.1.4 calls equal in the
 * common cases: scheme and host case-insensitive, default port explicit,
 * parameters sorted. User part stays case-sensitive.
 */
export function normalizeContactKey(raw: string): string {
  const uri = parseUri(raw);
  if (!uri) return raw;
  const defaultPort = uri.scheme === 'sips' ? 5061 : 5060;
  const params = Object.entries(uri.params)
    .map(([k, v]) => [k.toLowerCase(), v === null ? '' : v.toLowerCase()] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => (v ? `${k}=${v}` : k));
  const user = uri.user !== undefined ? `${uri.user}@` : '';
  return `${uri.scheme.toLowerCase()}:${user}${uri.host.toLowerCase()}:${uri.port ?? defaultPort}${params.length ? `;${params.join(';')}` : ''}`;
}
