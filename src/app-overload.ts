import { createHmac } from 'node:crypto';
import type { Config } from './config/schema.js';
import { QueueProbe } from './core/transport/queue-probe.js';
import { Overload } from './health/overload.js';
import type { Log } from './log.js';

/**
 * Load shedding (docs/operations.md "Overload"): the node measures how long
 * its datagrams wait (QueueProbe, started once the SIP sockets listen) and
 * refuses a share of new work past `overload.maxQueueDelay`; no probe at all
 * when that is 0.
 */
export function loadShedding(config: Config, dialogSecret: Buffer, log: Log): { overload: Overload; queueProbe: QueueProbe | undefined } {
  const { maxQueueDelay, retryAfter } = config.overload;
  const overload = new Overload({ maxQueueDelayMs: maxQueueDelay, retryAfterSeconds: retryAfter, log });
  const queueProbe = maxQueueDelay > 0 ? new QueueProbe({ token: probeToken(dialogSecret), onDelay: (ms) => overload.observe(ms) }) : undefined;
  return { overload, queueProbe };
}

/** The queue probes' token: every process of the node derives the same from the shared dialog secret, and nobody outside knows it. */
function probeToken(dialogSecret: Buffer): Buffer {
  return createHmac('sha256', dialogSecret).update('queue probe').digest().subarray(0, 16);
}
