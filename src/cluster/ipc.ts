import type { ReadinessReport } from '../health/readiness.js';

/** Messages between the primary and its workers over the cluster IPC channel (control only; SIP goes over peer-channel.ts). */
export type ToPrimary =
  { type: 'softswitch:channel'; port: number } | { type: 'softswitch:listening' } | { type: 'softswitch:readiness'; id: number; report: ReadinessReport };

export type ToWorker =
  | { type: 'softswitch:peers'; ports: Array<[worker: number, port: number]> }
  | { type: 'softswitch:drain' }
  | { type: 'softswitch:cut-short' }
  | { type: 'softswitch:readiness?'; id: number };

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
