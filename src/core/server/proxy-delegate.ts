import type { SipRequest, SipResponse } from '../messages/index.js';
import type { Source } from '../transport/transport.js';
import type { IncomingRequest } from './incoming-request.js';

/**
 * What the server asks the proxy above it about messages no handler owns.
 * Registered once with `SipServer.setProxyDelegate`; without one, the server
 * answers a CANCELled INVITE 487 itself and drops the rest.
 */
export interface ProxyDelegate {
  /**
   * A pending INVITE was CANCELled. Return true when the proxy sends the final
   * response itself (it relays the callee's 487); otherwise the server answers 487 at once.
   */
  onCancel(invite: IncomingRequest): boolean;
  /** An ACK matching no server transaction: the ACK for a 2xx, forwarded by its Route. */
  onAck(request: SipRequest, source: Source): void;
  /** A response matching no client transaction (e.g. a 2xx copy after the transaction ended). */
  onStrayResponse(response: SipResponse, source: Source): void;
}
