/**
 * How the caller's identity came in (docs/product.md §4.2), read from From, Privacy and
 * P-Asserted-Identity. Pure.
 *
 * Precedence:
 * 1. payphone: `cpc=payphone` (3GPP TS 24.229 §7.2A.12) on the From or PAI URI (tel: parameter,
 *    or inside the user part of a `sip:…;user=phone` URI), or a From display
 *    name "Coin line/payphone" / "payphone". Not withheld.
 * 2. unavailable: From user `unavailable`, or From display name "Unavailable"
 *    when no number can be read. Not withheld (e.g. calls from abroad).
 * 3. withheld: From anonymous (user `anonymous` or host `anonymous.invalid`),
 *    or `Privacy` containing `id` or `user` (RFC 3323/3325).
 * 4. presented: everything else (even when no number can be read, e.g.
 *    `sip:alice@host`: such a caller has not withheld anything).
 *
 * The number is read from PAI when given, else from the From user part, and
 * returned in national (or 010 international) form whatever the identity is:
 * a withheld caller's asserted number still matches nuisance block lists.
 * Pass `assertedIdentity` only when the request came from a trusted source
 * (RFC 3325 §5: PAI from an untrusted source is removed, not believed).
 */
import { parseNameAddr, parseUri, splitList, unescapeUser, type NameAddr, type SipUri } from '../core/messages/index.js';
import { normalizeNumber } from '../numbers/national.js';
import type { CallerIdentity } from './call-context.js';

export interface CallerIdentityInput {
  /** Raw From header value. */
  from: string;
  /** Privacy header tokens, lower-case (e.g. ['id'], ['none']). */
  privacy: string[];
  /** Raw P-Asserted-Identity header value (may list a sip: and a tel: identity). */
  assertedIdentity?: string;
}

export interface CallerIdentityResult {
  identity: CallerIdentity;
  /** National (or 010…) form, when one can be read. */
  number?: string;
  /**
   * The asserted identity (PAI) carries `cpc=payphone` (3GPP TS 24.229
   * §7.2A.12: the calling party's category is believed only in PAI from the
   * trust domain). Only this lets a payphone pass nuisance blocking; a From
   * marker or display name is the caller's own word.
   */
  payphoneAsserted?: true;
}

interface Party {
  nameAddr: NameAddr | null;
  uri: SipUri | null;
}

function party(value: string): Party {
  const nameAddr = parseNameAddr(value);
  return { nameAddr, uri: nameAddr === null ? null : parseUri(nameAddr.uri) };
}

/** User part without the RFC 3966 parameters a `user=phone` SIP URI carries in it. */
function userNumberPart(uri: SipUri): { digits: string; params: string[] } {
  const user = unescapeUser(uri.user ?? '');
  const [digits = '', ...params] = user.split(';');
  return { digits, params: params.map((p) => p.toLowerCase()) };
}

function isPayphone(uri: SipUri | null): boolean {
  if (uri === null) return false;
  const cpc = uri.params.cpc;
  if (typeof cpc === 'string' && cpc.toLowerCase() === 'payphone') return true;
  return userNumberPart(uri).params.includes('cpc=payphone');
}

function numberOf(uri: SipUri | null): string | undefined {
  if (uri === null || uri.user === undefined) return undefined;
  return normalizeNumber(userNumberPart(uri).digits) ?? undefined;
}

function lower(s: string | undefined): string {
  return (s ?? '').trim().toLowerCase();
}

export function identifyCaller(input: CallerIdentityInput): CallerIdentityResult {
  const from = party(input.from);
  const asserted = input.assertedIdentity === undefined ? [] : splitList(input.assertedIdentity).map(party);

  let number: string | undefined;
  for (const p of asserted) {
    number = numberOf(p.uri);
    if (number !== undefined) break;
  }
  if (number === undefined) number = numberOf(from.uri);

  const fromUser = lower(from.uri === null ? undefined : userNumberPart(from.uri).digits);
  const display = lower(from.nameAddr?.displayName);
  const payphoneAsserted = asserted.some((p) => isPayphone(p.uri));
  const withNumber = (identity: CallerIdentity): CallerIdentityResult => ({
    identity,
    ...(number === undefined ? {} : { number }),
    ...(payphoneAsserted ? { payphoneAsserted } : {}),
  });

  if (isPayphone(from.uri) || payphoneAsserted || display === 'payphone' || display === 'coin line/payphone') {
    return withNumber('payphone');
  }
  if (fromUser === 'unavailable' || (display === 'unavailable' && number === undefined)) return withNumber('unavailable');

  const anonymous = fromUser === 'anonymous' || from.uri?.host === 'anonymous.invalid';
  const privacy = input.privacy.map((p) => p.trim().toLowerCase());
  if (anonymous || privacy.includes('id') || privacy.includes('user')) return withNumber('withheld');
  return withNumber('presented');
}

/** Privacy header values (possibly several headers, `;`-separated tokens) as lower-case tokens. */
export function privacyTokens(values: string[]): string[] {
  return values
    .flatMap((v) => v.split(/[;,]/))
    .map((t) => t.trim().toLowerCase())
    .filter((t) => t !== '');
}
