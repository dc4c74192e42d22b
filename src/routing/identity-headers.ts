import { formatNameAddr, parseNameAddr, parseUri, formatUri, type SipRequest } from '../core/messages/index.js';
import type { ForwardHop } from '../features/call-context.js';
import { privacyTokens } from '../features/caller-identity.js';

/**
 * Header edits on a forwarded INVITE that carry identity and diversion:
 * P-Asserted-Identity and Privacy (RFC 3325), Diversion (RFC 5806), and the
 * called number in the Request-URI user part (docs/product.md §2).
 *
 * A call from one of our lines carries only the identity the service asserts:
 * whatever the line wrote about who is calling is removed first, then From,
 * P-Asserted-Identity and Privacy are set by us. A call from a trusted peer
 * keeps what RFC 3325 lets it carry; Diversion for our own forwards is added
 * after these edits.
 */

const ANONYMOUS_FROM_URI = 'sip:anonymous@anonymous.invalid';

/**
 * Identity and trust-domain headers a line cannot assert. Each could name
 * another customer's number to the next hop or its billing: RFC 3325 identity
 * and privacy, the pre-standard Remote-Party-ID, charging (RFC 8496, RFC 7315),
 * call history (RFC 7044) and signed identity (RFC 8224).
 */
export const LINE_IDENTITY_HEADERS = [
  'p-asserted-identity',
  'p-preferred-identity',
  'privacy',
  'remote-party-id',
  'p-charge-info',
  'p-charging-vector',
  'p-access-network-info',
  'history-info',
  'identity',
  'identity-info',
] as const;

/** Never relayed from anyone: P-Preferred-Identity is for the first proxy only (RFC 3325 §9.2); Remote-Party-ID has no trust rules. */
export const UNRELAYED_IDENTITY_HEADERS = ['p-preferred-identity', 'remote-party-id'] as const;

/** Headers meaningful only inside the trust domain (RFC 3325 §5, RFC 8496 §4): not sent to a line. */
export const TRUST_DOMAIN_HEADERS = ['p-charge-info', 'p-charging-vector', 'p-access-network-info'] as const;

const MAX_DISPLAY_NAME = 64;

/**
 * The caller's own display name, when it may go on: plain text only. A name
 * with a digit of any script (`\p{N}`: 0-9, full-width, circled...) or an `@`
 * could spell a number or address the service does not assert, so it is dropped
 * and the From shows just the asserted number.
 */
export function plainDisplayName(name: string | undefined): string | undefined {
  if (name === undefined) return undefined;
  const trimmed = name.trim();
  if (trimmed === '' || trimmed.length > MAX_DISPLAY_NAME || /[\p{N}@]/u.test(trimmed)) return undefined;
  return trimmed;
}

/** Replace the user part of a SIP URI (a contact) with a number. */
export function withUser(uri: string, user: string): string {
  const parsed = parseUri(uri);
  if (!parsed || (parsed.scheme !== 'sip' && parsed.scheme !== 'sips')) return uri;
  return formatUri({ ...parsed, user });
}

function removeAll(request: SipRequest, names: readonly string[]): void {
  for (const name of names) request.headers.remove(name);
}

/**
 * Our line's call: drop every identity the line wrote, then assert ours.
 * From shows the presented number (or anonymous) with only the line's tag and
 * a plain display name; PAI asserts the number; Privacy is ours.
 */
export function assertCallerIdentity(request: SipRequest, opts: { number: string; domain: string; withhold: boolean; trustedNextHop: boolean }): void {
  const h = request.headers;
  const from = parseNameAddr(h.get('from') ?? '');
  const identityUri = `sip:${opts.number}@${opts.domain};user=phone`;
  removeAll(request, LINE_IDENTITY_HEADERS);
  if (from) {
    const tag = from.params.tag;
    const params: Record<string, string | null> = tag ? { tag } : {};
    const displayName = plainDisplayName(from.displayName);
    h.set(
      'From',
      formatNameAddr(
        opts.withhold ? { displayName: 'Anonymous', uri: ANONYMOUS_FROM_URI, params } : { ...(displayName ? { displayName } : {}), uri: identityUri, params },
      ),
    );
  }
  if (opts.withhold) {
    h.set('Privacy', 'id');
    // The asserted identity goes only where it is trusted (RFC 3325 §5).
    if (opts.trustedNextHop) h.set('P-Asserted-Identity', `<${identityUri}>`);
  } else {
    h.set('P-Asserted-Identity', `<${identityUri}>`);
  }
}

/**
 * A trusted peer's call: its PAI and Privacy stand (RFC 3325), but what has no
 * trust rules is dropped, and towards a line (outside the trust domain) so are
 * the trust-domain headers and a PAI the caller asked to keep private.
 */
export function relayPeerIdentity(request: SipRequest, trustedNextHop: boolean): void {
  removeAll(request, UNRELAYED_IDENTITY_HEADERS);
  if (trustedNextHop) return;
  removeAll(request, TRUST_DOMAIN_HEADERS);
  // priv-values are `;`-separated (RFC 3323 §4.2): `id;critical` asks for id privacy.
  const privacy = privacyTokens(request.headers.getAll('privacy'));
  if (privacy.includes('id') || privacy.includes('user')) request.headers.remove('p-asserted-identity');
  // RFC 7044 §10.1.2: history privacy asked for; we do not anonymise entries, so none go.
  if (privacy.includes('history') || privacy.includes('header')) request.headers.remove('history-info');
}

/** RFC 5806: one Diversion per forward, most recent first, with its reason and counter. */
export function addDiversion(request: SipRequest, hops: readonly ForwardHop[], domain: string): void {
  request.headers.remove('diversion');
  for (const hop of [...hops].reverse()) {
    request.headers.append('Diversion', `<sip:${hop.from}@${domain};user=phone>;reason=${hop.reason};counter=1`);
  }
}
