import type { Destination } from '../core/transport/transport.js';
import type { TrunkStateChange } from '../events/trunk-events.js';
import type { Log } from '../log.js';
import type { TargetHealthStore } from '../store/target-health-store.js';
import { nextHealth, type PingResult, type TargetHealth, type Thresholds } from './health.js';
import { monitoredTargets, type MonitoredTarget, type MonitoringScope, type ProvisionedTargets } from './targets.js';

export interface MonitorSettings extends Thresholds {
  intervalMs: number;
  scope: MonitoringScope;
}

export interface MonitorDeps {
  settings: MonitorSettings;
  nodeId: string;
  /** Peers, IP-authenticated lines and routes as provisioned now. */
  provisioned(): Promise<ProvisionedTargets>;
  health: Pick<TargetHealthStore, 'lease' | 'update' | 'prune'>;
  pinger: { ping(destination: Destination): Promise<PingResult> };
  /** A target's state changed: one change per subject (peer, line, route) it serves. */
  report(change: TrunkStateChange): void;
  log: Log;
  now?: () => number;
}

/**
 * Pings every monitored target once per interval, shared by all nodes: each
 * round a node pings only the targets whose lease it wins (one node per
 * target per interval), records the result in the shared health with a
 * compare-and-set, and reports the changes its write made.
 */
export class TargetMonitor {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private readonly now: () => number;

  constructor(private readonly deps: MonitorDeps) {
    this.now = deps.now ?? Date.now;
  }

  start(): void {
    const tick = (): void => {
      void this.round();
    };
    this.timer = setInterval(tick, this.deps.settings.intervalMs);
    this.timer.unref();
    tick();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One pass over the targets; a round still running (a slow Redis) makes the next one skip. */
  async round(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      const targets = monitoredTargets(await this.deps.provisioned(), this.deps.settings.scope);
      await this.deps.health.prune(new Set(targets.map((t) => t.id)));
      await Promise.all(targets.map((target) => this.visit(target)));
    } catch (err) {
      this.deps.log.warn({ event: 'monitor.round_failed', err }, 'monitoring round skipped');
    } finally {
      this.running = false;
    }
  }

  private async visit(target: MonitoredTarget): Promise<void> {
    const { settings, nodeId, health, pinger, log } = this.deps;
    // The lease ends a little before the next round, so the winner of this one may take the next.
    if (!(await health.lease(target.id, nodeId, settings.intervalMs * 0.9))) return;
    const result = await pinger.ping(target.destination);
    const updated = await health.update(target.id, (previous) => nextHealth(previous, result, settings, this.now()));
    log.debug({ event: 'monitor.ping', target: target.id, ...result, state: updated?.after.state }, 'OPTIONS ping');
    if (!updated) return;
    const previous = updated.before?.state ?? 'up';
    if (previous !== updated.after.state) this.changed(target, previous, updated.after);
  }

  private changed(target: MonitoredTarget, previous: 'up' | 'down', now: TargetHealth): void {
    const common = {
      state: now.state,
      previous,
      reason: 'options' as const,
      target: target.id,
      ...(now.lastStatus !== undefined ? { status: now.lastStatus } : {}),
    };
    for (const subject of target.subjects) {
      if (subject.kind === 'trunk') this.deps.report({ event: 'trunk.state', sipId: subject.name, ...common });
      else this.deps.report({ event: 'peer.state', kind: subject.kind, name: subject.name, ...common });
    }
  }
}
