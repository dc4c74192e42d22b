import type { SipRequest } from '../messages/index.js';
import type { Destination, Source } from '../transport/transport.js';

/**
 * Several worker processes share one SIP port (UDP SO_REUSEPORT: the kernel
 * hashes each source address and port to one worker). A message that needs
 * state another worker holds must be passed to it:
 *
 * - a response to a request a worker sent: the branch it put in its Via
 *   names it (`z9hG4bKw<worker>.…`), so the worker the kernel picked reads
 *   the branch and passes the message on;
 * - a CANCEL, or the ACK of a non-2xx, whose INVITE server transaction
 *   another worker holds (the client sent it from another port): the branch
 *   is the client's, so nobody knows the owner; every other worker is asked,
 *   and only the one holding the INVITE acts on it.
 *
 * A message received from another worker is never passed on again.
 */

const MAGIC_COOKIE = 'z9hG4bK';
const WORKER_BRANCH = /^z9hG4bKw(\d{1,4})\./;

/** The worker part of a branch this process makes, after the magic cookie: `w3.`, or nothing when it runs alone. */
export function workerBranchTag(worker: number | undefined): string {
  return worker === undefined ? '' : `w${worker}.`;
}

/** The worker a branch of ours names, if any. */
export function workerOfBranch(branch: string | null | undefined): number | undefined {
  const match = branch ? WORKER_BRANCH.exec(branch) : null;
  return match ? Number(match[1]) : undefined;
}

/** A fresh branch for a request this process sends on its own (e.g. an OPTIONS ping): cookie, worker tag, `id`. */
export function ownBranch(worker: number | undefined, id: string): string {
  return `${MAGIC_COOKIE}${workerBranchTag(worker)}${id}`;
}

/** Where a response goes: handled here, or passed to the worker its branch names. */
export function responseOwner(branch: string | null | undefined, self: number): 'here' | number {
  const owner = workerOfBranch(branch);
  return owner === undefined || owner === self ? 'here' : owner;
}

/**
 * Whether a request that found no transaction here may belong to another
 * worker's INVITE server transaction: a CANCEL of an INVITE not held here,
 * or an ACK without a Route (the ACK of a non-2xx is hop by hop and carries
 * none; the ACK of a 2xx follows our Record-Route and is relayed anywhere).
 */
export function mayBelongElsewhere(request: SipRequest, inviteHeldHere: boolean): boolean {
  if (request.method === 'CANCEL') return !inviteHeldHere;
  if (request.method === 'ACK') return request.headers.get('route') === undefined;
  return false;
}

/**
 * The worker to ask next about a CANCEL or ACK nobody has claimed yet: the
 * one after `after` in ring order, or none when the ring is back at `origin`
 * (the worker it arrived at). The last worker asked answers it as its own
 * (481 to a CANCEL that cancels nothing), so exactly one answer goes out.
 */
export function nextInRing(workers: readonly number[], after: number, origin: number): number | undefined {
  const ring = [...new Set(workers)].sort((a, b) => a - b);
  if (ring.length === 0) return undefined;
  const next = ring.find((w) => w > after) ?? ring[0]!;
  return next === origin || next === after ? undefined : next;
}

/** The other workers of this node, as the SIP core sees them (src/cluster holds the channel). */
export interface WorkerPeers {
  /** This worker's number. */
  readonly self: number;
  /** Every worker that can be reached now, this one included. */
  workers(): readonly number[];
  /** Hands a received message to `worker` as if it had arrived there; false when that worker cannot be reached. */
  pass(worker: number, data: Buffer, source: Source, origin: number): boolean;
  /** Asks `worker` to send these bytes on its TCP/WS connection `destination.connectionId`; false when it cannot be reached. */
  sendOn(worker: number, destination: Destination, data: Buffer): boolean;
}
