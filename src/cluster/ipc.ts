import type { ReadinessReport } from '../health/readiness.js';

/** Messages between the primary and its workers over the cluster IPC channel (control only; SIP goes over peer-channel.ts). */
export type ToPrimary =
  | { type: 'softswitch:channel'; port: number }
  | { type: 'softswitch:listening' }
  | { type: 'softswitch:readiness'; id: number; report: ReadinessReport }
  /** Every second: the share of the last second the worker's event loop was busy (0..1). */
  | { type: 'softswitch:load'; load: number };

export type ToWorker =
  | { type: 'softswitch:peers'; ports: Array<[worker: number, port: number]> }
  | { type: 'softswitch:drain' }
  | { type: 'softswitch:cut-short' }
  | { type: 'softswitch:readiness?'; id: number }
  /** Steer the node's UDP datagrams among this many workers (steering-policy.ts). */
  | { type: 'softswitch:steer'; among: number };

/** Environment the primary gives each worker. */
export const WORKER_ENV = {
  /** The worker's slot, 1..N, kept by its replacement after a crash. */
  slot: 'SOFTSWITCH_WORKER',
  /** The node's channel token (hex): only its own processes can pass each other messages. */
  token: 'SOFTSWITCH_WORKER_TOKEN',
} as const;

export function isOurs<T extends { type: string }>(message: unknown): message is T {
  return (
    typeof message === 'object' &&
    message !== null &&
    typeof (message as { type?: unknown }).type === 'string' &&
    (message as { type: string }).type.startsWith('softswitch:')
  );
}
