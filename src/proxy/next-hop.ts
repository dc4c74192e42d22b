import { lookup } from 'node:dns/promises';
import net from 'node:net';
import { bareHost, parseNameAddr, parseUri } from '../core/messages/index.js';
import { defaultPort, uriTransport, type Destination } from '../core/transport/transport.js';

/**
 * Where a request for this URI (or Route value) goes: RFC 3263 reduced to what
 * trunks use — an IP literal or an A/AAAA name, the URI port or 5060, and the
 * transport the URI asks for (uriTransport: `sips:` only over TLS/WSS, UDP
 * by default). No NAPTR/SRV.
 */
export async function resolveNextHop(uriOrRoute: string): Promise<Destination | undefined> {
  const raw = uriOrRoute.includes('<') ? parseNameAddr(uriOrRoute)?.uri : uriOrRoute.trim();
  const uri = raw ? parseUri(raw) : null;
  if (!uri || (uri.scheme !== 'sip' && uri.scheme !== 'sips')) return undefined;
  // transport=ws resolves, but a WS peer is reachable only over its own connection (WsTransport.send fails without one).
  const transport = uriTransport(uri.scheme, uri.params.transport);
  const host = bareHost(uri.params.maddr ?? uri.host);
  const port = uri.port ?? defaultPort(transport);
  if (net.isIP(host)) return { transport, address: host, port };
  try {
    const { address } = await lookup(host);
    return { transport, address, port };
  } catch {
    return undefined;
  }
}
