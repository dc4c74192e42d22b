import type { LineStore } from '../store/line-store.js';
import type { RouteStore } from '../store/route-store.js';
import type { TargetHealthStore } from '../store/target-health-store.js';
import { monitoredTargets, type MonitoringScope, type Subject } from './targets.js';

/** One monitored target as `npm run status -- --targets` and `GET /monitoring/targets` show it. */
export interface TargetStatus {
  target: string;
  transport: string;
  address: string;
  port: number;
  /** The peers, IP trunks and routes it serves. */
  subjects: Subject[];
  /** `unknown`: not pinged yet (routing treats it as up). */
  state: 'up' | 'down' | 'unknown';
  failures: number;
  successes: number;
  /** ISO 8601: since when it is in this state, and the last ping. */
  since?: string;
  lastPing?: string;
  lastStatus?: number;
  lastError?: string;
}

export async function readTargetStatus(
  stores: { routes: Pick<RouteStore, 'stored'>; lines: Pick<LineStore, 'ipAuthenticated'>; health: Pick<TargetHealthStore, 'get'> },
  scope: MonitoringScope,
): Promise<TargetStatus[]> {
  const [stored, ipLines] = await Promise.all([stores.routes.stored(), stores.lines.ipAuthenticated()]);
  const targets = monitoredTargets(
    { peers: stored.peers, ipLines, routes: [...stored.outbound, ...stored.emergency, ...(stored.voicemail ? [stored.voicemail] : [])] },
    scope,
  );
  const health = await stores.health.get(targets.map((t) => t.id));
  return targets.map((t) => {
    const h = health.get(t.id) ?? null;
    return {
      target: t.id,
      transport: t.destination.transport,
      address: t.destination.address,
      port: t.destination.port,
      subjects: t.subjects,
      state: h?.state ?? 'unknown',
      failures: h?.failures ?? 0,
      successes: h?.successes ?? 0,
      ...(h
        ? {
            since: new Date(h.since).toISOString(),
            lastPing: new Date(h.lastAt).toISOString(),
            ...(h.lastStatus !== undefined ? { lastStatus: h.lastStatus } : {}),
            ...(h.lastError !== undefined ? { lastError: h.lastError } : {}),
          }
        : {}),
    };
  });
}

/** One line per target for the terminal. */
export function renderTargetStatus(s: TargetStatus): string {
  const serves = s.subjects.map((x) => `${x.kind} ${x.name}`).join(', ');
  const last = s.lastPing ? `  last ping ${s.lastPing}: ${s.lastStatus !== undefined ? `${s.lastStatus}` : (s.lastError ?? '')}` : '';
  const since = s.since ? ` since ${s.since}` : '';
  return `${s.target}: ${s.state}${since}  (${serves})${last}`;
}
