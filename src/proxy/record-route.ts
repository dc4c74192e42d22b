import { parseNameAddr, parseUri, type SipUri } from '../core/messages/index.js';
import { hostPortKey } from '../core/transport/local-host.js';
import { isSecure, type TransportName } from '../core/transport/transport.js';
import { decodeFlow } from './flow.js';

/** The URI parameter of our Record-Route that carries its signature (see ProxySigner.dialogSignature). */
export const ROUTE_SIGNATURE_PARAM = 'rrsig';
/** The URI parameter of our Record-Route naming the dialog's two hops (see encodeHops), covered by its signature. */
export const ROUTE_HOPS_PARAM = 'rrhops';

/** The dialog's two hop addresses (where the INVITE came from, where it went) as one opaque URI-safe token. */
export function encodeHops(addresses: string[]): string {
  return Buffer.from(addresses.map((a) => a.toLowerCase()).join(','), 'utf8').toString('base64url');
}

/** The addresses of a hops token (see encodeHops); nothing for a token that is not one. */
export function decodeHops(token: string): string[] {
  if (!/^[A-Za-z0-9_-]*$/.test(token)) return [];
  return Buffer.from(token, 'base64url')
    .toString('utf8')
    .split(',')
    .filter((a) => a !== '');
}

/**
 * How a URI naming us over a transport says so (RFC 3261 §19.1, §26.2; RFC 5630
 * §3.1.3; RFC 7118 §5.2): TLS is `sips:` (the deprecated `transport=tls` is
 * understood on the way in, see uriTransport, but not written), WSS is
 * `sips:` with `transport=ws`, TCP and WS carry their transport parameter.
 */
export function routeScheme(transport: TransportName): 'sip' | 'sips' {
  return isSecure(transport) ? 'sips' : 'sip';
}

export function routeTransportParam(transport: TransportName): string {
  if (transport === 'UDP' || transport === 'TLS') return '';
  return transport === 'WSS' ? ';transport=ws' : `;transport=${transport.toLowerCase()}`;
}

/**
 * Who "we" are in Route and Record-Route headers: every address this node
 * listens on (and the advertised one), per transport.
 */
export class LocalIdentity {
  private readonly mine = new Set<string>();

  constructor(
    private readonly advertised: Map<TransportName, { host: string; port: number }>,
    extraHosts: Array<{ host: string; port: number }> = [],
    /** Our SIP domain: a Request-URI in it with no Route left is for us, never resolved in DNS. */
    private readonly domain = '',
    /** This node's id: a connection flow recorded here can only be followed here. */
    readonly node = '',
  ) {
    for (const a of [...advertised.values(), ...extraHosts]) this.mine.add(hostPortKey(a.host, a.port));
  }

  /**
   * The Record-Route value for a transport (RFC 3261 §16.6 step 4), loose-routing.
   * `flow` (a flow token, see flow.ts) goes in the user part: requests later in
   * the dialog reach a client behind NAT, or on a connection it opened (a WS
   * client's Contact has a `.invalid` host, RFC 7118 §5), by this token rather
   * than by its Contact, as in RFC 5626 §5.3.
   * `signature` makes it provably ours: only a request carrying it is relayed
   * inside the dialog. `hops` (encodeHops) names the dialog's two ends, which
   * the signature covers.
   */
  recordRoute(transport: TransportName, flow?: string, signature?: string, hops?: string): string {
    const a = this.advertised.get(transport) ?? [...this.advertised.values()][0]!;
    const hopsParam = hops ? `;${ROUTE_HOPS_PARAM}=${hops}` : '';
    const signed = signature ? `;${ROUTE_SIGNATURE_PARAM}=${signature}` : '';
    return `<${routeScheme(transport)}:${flow ? `${flow}@` : ''}${a.host}:${a.port}${routeTransportParam(transport)};lr${hopsParam}${signed}>`;
  }

  /**
   * What one of our own Route entries (or a Request-URI naming us, as a
   * strict router leaves it) carries, read with one parse; undefined when it
   * does not name this node. Every request inside a dialog is checked by it,
   * so the URI is parsed once, not once per parameter.
   */
  ownRoute(route: string): OwnRoute | undefined {
    const uri = routeUri(route);
    if (!uri || !this.names(uri)) return undefined;
    const { [ROUTE_SIGNATURE_PARAM]: signature, [ROUTE_HOPS_PARAM]: hops } = uri.params;
    return {
      ...(signature ? { signature } : {}),
      ...(hops ? { hops } : {}),
      ...(uri.user && decodeFlow(uri.user) ? { flow: uri.user } : {}),
    };
  }

  /** Every Via sent-by of this node, to recognise our own Via (loop detection). */
  allSentBy(): string[] {
    return [...this.advertised.values()].map((a) => `${a.host.toLowerCase()}:${a.port}`);
  }

  /** Our Via sent-by for a transport. */
  sentBy(transport: TransportName): string {
    const a = this.advertised.get(transport) ?? [...this.advertised.values()][0]!;
    return `${a.host}:${a.port}`;
  }

  /** Whether a URI's host is our SIP domain (any port). */
  isOurDomain(uriOrRoute: string): boolean {
    const uri = routeUri(uriOrRoute);
    return !!uri && this.domain !== '' && uri.host.toLowerCase() === this.domain.toLowerCase();
  }

  /** Whether a URI (raw, or a Route header value) points at this node. */
  isMine(uriOrRoute: string): boolean {
    const uri = routeUri(uriOrRoute);
    return !!uri && this.names(uri);
  }

  private names(uri: SipUri): boolean {
    if (uri.scheme !== 'sip' && uri.scheme !== 'sips') return false;
    return this.mine.has(hostPortKey(uri.host, uri.port ?? (uri.scheme === 'sips' ? 5061 : 5060)));
  }
}

/** What one of our own route entries carries (see LocalIdentity.recordRoute). */
export interface OwnRoute {
  /** Its signature (ProxySigner.dialogSignature). */
  signature?: string;
  /** The dialog's two hops (encodeHops), covered by the signature. */
  hops?: string;
  /** The flow token in its user part (flow.ts). */
  flow?: string;
}

/** The URI of a Route header value (`<uri>;params`) or of a bare URI. */
function routeUri(uriOrRoute: string): SipUri | null {
  const raw = uriOrRoute.includes('<') ? parseNameAddr(uriOrRoute)?.uri : uriOrRoute.trim();
  return raw ? parseUri(raw) : null;
}
