import net from 'node:net';
import type { Via } from '../messages/index.js';
import type { Destination, Source } from './transport.js';

const DEFAULT_PORT = 5060;

/**
 * RFC 3261 §18.2.1 and RFC 3581: note on the top Via where the request really
 * came from, so the response goes back through the client's NAT binding.
 * Returns true when the Via changed.
 */
export function stampReceived(via: Via, source: Source): boolean {
  let changed = false;
  const rportRequested = 'rport' in via.params;
  if (via.host.replace(/^\[|\]$/g, '') !== source.address || rportRequested) {
    if (via.params.received !== source.address) {
      via.params.received = source.address;
      changed = true;
    }
  }
  if (rportRequested && via.params.rport !== String(source.port)) {
    via.params.rport = String(source.port);
    changed = true;
  }
  return changed;
}

/** RFC 3261 §18.2.2: where a response to a request with this top Via goes. */
export function responseDestination(via: Via, source: Source): Destination {
  if (source.transport !== 'UDP') {
    // Over the connection the request came on; if it is gone, to the source address and sent-by port.
    return { transport: source.transport, address: source.address, port: source.port, connectionId: source.connectionId };
  }
  const received = via.params.received;
  const address = received && net.isIP(received) ? received : via.host.replace(/^\[|\]$/g, '');
  const rport = via.params.rport ? Number(via.params.rport) : NaN;
  const port = Number.isInteger(rport) && rport > 0 ? rport : (via.port ?? DEFAULT_PORT);
  return { transport: 'UDP', address, port };
}
