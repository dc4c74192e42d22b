import net from 'node:net';
import { bareHost, type ReadonlyDeep, type Via } from '../messages/index.js';
import { defaultPort, transportNamed, type Destination, type Source } from './transport.js';

/**
 * RFC 3261 §18.2.1 and RFC 3581: note on the top Via where the request really
 * came from, so the response goes back through the client's NAT binding.
 * `received` and `rport` are ours to write: whatever the client put there is
 * replaced or removed, never used (else a client could aim responses at a
 * third party). Returns true when the Via changed.
 */
export function stampReceived(via: Via, source: Source): boolean {
  let changed = false;
  const rportRequested = 'rport' in via.params;
  if (bareHost(via.host) !== source.address || rportRequested) {
    if (via.params.received !== source.address) {
      via.params.received = source.address;
      changed = true;
    }
  } else if ('received' in via.params) {
    delete via.params.received;
    changed = true;
  }
  if (rportRequested && via.params.rport !== String(source.port)) {
    via.params.rport = String(source.port);
    changed = true;
  }
  return changed;
}

/** RFC 3261 §18.2.2: where a response to a request with this top Via goes. */
export function responseDestination(via: ReadonlyDeep<Via>, source: Source): Destination {
  if (source.transport !== 'UDP') {
    // Over the connection the request came on; if it is gone, to the source address and sent-by port.
    return { transport: source.transport, address: source.address, port: source.port, connectionId: source.connectionId };
  }
  return { ...viaDestination(via), transport: 'UDP' };
}

/**
 * Where a Via stamped by us (stampReceived) sends responses: `received` or
 * the sent-by host, `rport` or the sent-by port. Used for a Via we stamped
 * on the way in, found again below ours in a response.
 */
export function viaDestination(via: ReadonlyDeep<Via>): Destination {
  const received = via.params.received;
  const address = received && net.isIP(received) ? received : bareHost(via.host);
  const rport = via.params.rport ? Number(via.params.rport) : NaN;
  const transport = transportNamed(via.transport) ?? 'UDP';
  const port = Number.isInteger(rport) && rport > 0 ? rport : (via.port ?? defaultPort(transport));
  return { transport, address, port };
}
