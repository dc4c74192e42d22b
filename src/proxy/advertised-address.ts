import type { NetworkInterfaceInfo } from 'node:os';
import type { SipServer } from '../core/server/sip-server.js';
import type { TransportName } from '../core/transport/transport.js';
import { bareHost } from '../core/messages/index.js';
import { LocalIdentity } from './record-route.js';

/** What to advertise for a wildcard listener, and whether it had to be guessed. */
export interface WildcardChoice {
  host: string;
  /** The first non-internal interface address, or loopback when the host has none. */
  from: 'interface' | 'loopback';
}

/**
 * The address to put in Via and Record-Route for a socket bound to a wildcard
 * (0.0.0.0 or ::) when `sip.advertisedHost` is not set. A wildcard is not an
 * address anyone can send to, and loopback would send a LAN phone's in-call
 * requests to itself: the first routable interface address of the family is
 * the best guess (link-local ones are skipped), loopback only on a host with
 * none. The caller warns either way: the operator should set it.
 */
export function wildcardAdvertisedHost(wildcard: string, interfaces: NodeJS.Dict<NetworkInterfaceInfo[]>): WildcardChoice {
  const family = wildcard === '::' ? 'IPv6' : 'IPv4';
  for (const addresses of Object.values(interfaces)) {
    for (const a of addresses ?? []) {
      if (a.internal || a.family !== family || isLinkLocal(a.address)) continue;
      return { host: a.address, from: 'interface' };
    }
  }
  return { host: family === 'IPv6' ? '::1' : '127.0.0.1', from: 'loopback' };
}

function isLinkLocal(address: string): boolean {
  return address.startsWith('169.254.') || /^fe[89ab]/i.test(address);
}

/**
 * How others reach this node, per transport: `sip.advertisedHost`, else the
 * listen address; a wildcard becomes the guess above and `onGuess` is told.
 */
export function localIdentity(
  sip: Pick<SipServer, 'localAddress'>,
  opts: {
    advertisedHost?: string | undefined;
    domain: string;
    /** This node's id, for the connection flows it records. */
    node?: string;
    interfaces: NodeJS.Dict<NetworkInterfaceInfo[]>;
    onGuess: (transport: TransportName, choice: WildcardChoice) => void;
  },
): LocalIdentity {
  const advertised = new Map<TransportName, { host: string; port: number }>();
  // A wildcard socket is reached at every address of the host: all of them are "us" in Route and Request-URI.
  const alsoUs: Array<{ host: string; port: number }> = [];
  const configured = opts.advertisedHost ? /^\[?([^\]]+?)\]?(?::(\d+))?$/.exec(opts.advertisedHost) : null;
  for (const transport of ['UDP', 'TCP', 'TLS', 'WS', 'WSS'] as const) {
    const local = sip.localAddress(transport);
    if (!local) continue;
    let host = local.host;
    if (configured) {
      host = configured[1]!;
    } else if (host === '0.0.0.0' || host === '::') {
      for (const a of Object.values(opts.interfaces).flat()) if (a) alsoUs.push({ host: a.address, port: local.port });
      const choice = wildcardAdvertisedHost(host, opts.interfaces);
      opts.onGuess(transport, choice);
      host = choice.host;
    }
    // The advertised port is the SIP (UDP/TCP) port; TLS and WebSocket listen on ports of their own.
    const port = configured?.[2] && (transport === 'UDP' || transport === 'TCP') ? Number(configured[2]) : local.port;
    advertised.set(transport, { host: host.includes(':') ? `[${host}]` : host, port });
  }
  const extra = [...advertised.values()].map((a) => ({ host: bareHost(a.host), port: a.port })).concat(alsoUs);
  return new LocalIdentity(advertised, extra, opts.domain, opts.node);
}
