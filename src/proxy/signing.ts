import { timingSafeEqual } from 'node:crypto';
import { HmacSha256 } from '../crypto/hmac.js';

/** Bytes of HMAC-SHA256 kept in a signature (128 bits), written base64url. */
const SIGNATURE_BYTES = 16;

/**
 * Signatures that prove a Record-Route or a Via branch was made by this
 * service. The key is shared by every node (through Redis), so any node can
 * check what another one signed; nobody without it can make one.
 */
export class ProxySigner {
  private readonly hmac: HmacSha256;

  constructor(secret: Buffer) {
    this.hmac = new HmacSha256(secret);
  }

  /**
   * Our Record-Route for one dialog: the Call-ID and the caller's From-tag
   * (the one tag known when the INVITE was forwarded), the WebSocket flow
   * token the route carries, and the dialog's two hops (as the route carries
   * them, see encodeHops), so no part can be swapped.
   */
  dialogSignature(callId: string, tag: string, flow = '', hops = ''): string {
    return this.sign('rr', callId, tag, flow, hops);
  }

  /** Whether `signature` signs this dialog for one of `tags` (the caller's tag is in From or in To, by direction). */
  verifyDialog(signature: string, callId: string, tags: string[], flow = '', hops = ''): boolean {
    return tags.some((tag) => equal(signature, this.dialogSignature(callId, tag, flow, hops)));
  }

  /**
   * A node's Route to another node (node-route.ts): the flow (a connection the
   * other node holds) and the call it is for, so it cannot be reused for
   * another connection or call.
   */
  nodeRouteSignature(callId: string, flow: string): string {
    return this.sign('node', callId, flow);
  }

  verifyNodeRoute(signature: string, callId: string, flow: string): boolean {
    return equal(signature, this.nodeRouteSignature(callId, flow));
  }

  /** A branch's proof: its unique id, the Call-ID and the upstream hop its responses go back to. */
  branchSignature(id: string, callId: string, upstream: string): string {
    return this.sign('br', id, callId, upstream);
  }

  verifyBranch(signature: string, id: string, callId: string, upstream: string): boolean {
    return equal(signature, this.branchSignature(id, callId, upstream));
  }

  private sign(purpose: string, ...parts: string[]): string {
    // Length-prefixed parts: no two different inputs give the same signed text.
    const text = [purpose, ...parts].map((p) => `${p.length}:${p}`).join('');
    return Buffer.from(this.hmac.macLatin1(text).slice(0, SIGNATURE_BYTES), 'latin1').toString('base64url');
  }
}

function equal(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}
