import { formatNameAddr, parseNameAddr, parseUri, formatUri, type SipRequest } from '../core/messages/index.js';
import type { ForwardHop } from '../features/call-context.js';

/**
 * Header edits on a forwarded INVITE that carry identity and diversion:
 * P-Asserted-Identity and Privacy (RFC 3325), Diversion (RFC 5806), and the
 * called number in the Request-URI user part (spec §2).
 */

const ANONYMOUS_FROM_URI = 'sip:anonymous@anonymous.invalid';

/** Replace the user part of a SIP URI (a contact) with a number. */
export function withUser(uri: string, user: string): string {
  const parsed = parseUri(uri);
  if (!parsed || (parsed.scheme !== 'sip' && parsed.scheme !== 'sips')) return uri;
  return formatUri({ ...parsed, user });
}

/** Our caller's identity as we assert it: From shows the presented number (or anonymous), PAI asserts it. */
export function assertCallerIdentity(request: SipRequest, opts: { number: string; domain: string; withhold: boolean; trustedNextHop: boolean }): void {
  const h = request.headers;
  const from = parseNameAddr(h.get('from') ?? '');
  const identityUri = `sip:${opts.number}@${opts.domain};user=phone`;
  if (from) {
    const tag = from.params.tag;
    h.set('From', formatNameAddr(opts.withhold
      ? { displayName: 'Anonymous', uri: ANONYMOUS_FROM_URI, params: tag ? { tag } : {} }
      : { ...(from.displayName ? { displayName: from.displayName } : {}), uri: identityUri, params: from.params }));
  }
  h.remove('p-preferred-identity');
  h.remove('p-asserted-identity');
  if (opts.withhold) {
    h.set('Privacy', 'id');
    // The asserted identity goes only where it is trusted (RFC 3325 §5).
    if (opts.trustedNextHop) h.set('P-Asserted-Identity', `<${identityUri}>`);
  } else {
    h.remove('privacy');
    h.set('P-Asserted-Identity', `<${identityUri}>`);
  }
}

/** A caller that withheld its number reaches an untrusted trunk without PAI (RFC 3325 §5). */
export function stripAssertedIdentityIfPrivate(request: SipRequest): void {
  const privacy = request.headers.getList('privacy').map((p) => p.toLowerCase());
  if (privacy.includes('id') || privacy.includes('user')) request.headers.remove('p-asserted-identity');
}

/** RFC 5806: one Diversion per forward, most recent first, with its reason and counter. */
export function addDiversion(request: SipRequest, hops: readonly ForwardHop[], domain: string): void {
  request.headers.remove('diversion');
  for (const hop of [...hops].reverse()) {
    request.headers.append('Diversion', `<sip:${hop.from}@${domain};user=phone>;reason=${hop.reason};counter=1`);
  }
}
