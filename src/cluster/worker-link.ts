import cluster from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';
import type { Readiness } from '../health/readiness.js';
import { isOurs, WORKER_ENV, type ToPrimary, type ToWorker } from './ipc.js';
import { PeerChannel, type PeerChannelHandlers } from './peer-channel.js';
import { STEERING_SAMPLE_MS } from './steering-policy.js';
import { loadSinceLastCall } from '../core/transport/queue-probe.js';

/** This process' worker slot and the node's channel token, when the primary forked it; undefined otherwise. */
export function workerIdentity(env: NodeJS.ProcessEnv = process.env): { slot: number; token: Buffer } | undefined {
  if (!cluster.isWorker) return undefined;
  const slot = Number(env[WORKER_ENV.slot]);
  const token = Buffer.from(env[WORKER_ENV.token] ?? '', 'hex');
  return Number.isInteger(slot) && slot > 0 && token.length === 16 ? { slot, token } : undefined;
}

export interface WorkerControl {
  /** The primary says stop: drain, close and exit. */
  drain: () => void;
  /** The primary says stop now (a second signal). */
  cutShort: () => void;
  /** The primary says: steer UDP datagrams among this many workers. */
  steer: (among: number) => void;
}

/**
 * A worker's side of the node: its channel to the other workers (open before
 * the SIP sockets, so nothing passed to it is lost), and the control link to
 * the primary (channel ports, readiness questions, drain).
 */
export class WorkerLink {
  private control: WorkerControl | undefined;
  private readiness: Pick<Readiness, 'report'> | undefined;

  private constructor(readonly channel: PeerChannel) {}

  static async open(identity: { slot: number; token: Buffer }, handlers: PeerChannelHandlers): Promise<WorkerLink> {
    const link = new WorkerLink(await PeerChannel.open(identity.slot, identity.token, handlers));
    process.on('message', (message: unknown) => {
      if (!isOurs<ToWorker>(message)) return;
      if (message.type === 'softswitch:peers') link.channel.setPorts(new Map(message.ports));
      else if (message.type === 'softswitch:drain' || message.type === 'softswitch:cut-short') {
        // Stopped while still starting: nothing served yet, nothing to drain.
        if (!link.control) process.exit(0);
        else if (message.type === 'softswitch:drain') link.control.drain();
        else link.control.cutShort();
      } else if (message.type === 'softswitch:steer') {
        link.control?.steer(message.among);
      } else if (message.type === 'softswitch:readiness?' && link.readiness) {
        const id = message.id;
        void link.readiness.report().then((report) => link.tell({ type: 'softswitch:readiness', id, report }));
      }
    });
    link.tell({ type: 'softswitch:channel', port: link.channel.port });
    // Ctrl-C reaches every process of the terminal's group: the primary decides, and tells each worker to drain.
    process.on('SIGINT', () => undefined);
    return link;
  }

  /**
   * Once the app runs: the primary may ask for readiness and metrics, and tell
   * it to drain. `reportLoad`: the primary weighs gathering the UDP traffic
   * (config udpGatherSeconds), so tell it how busy this worker is.
   */
  serve(readiness: Pick<Readiness, 'report'>, registry: Registry, control: WorkerControl, reportLoad = false): void {
    // Constructing one makes prom-client answer the primary's metric requests from this process.
    AggregatorRegistry.setRegistries([registry]);
    new AggregatorRegistry();
    this.readiness = readiness;
    this.control = control;
    this.tell({ type: 'softswitch:listening' });
    if (!reportLoad) return;
    const load = loadSinceLastCall();
    setInterval(() => this.tell({ type: 'softswitch:load', load: load() }), STEERING_SAMPLE_MS).unref();
  }

  private tell(message: ToPrimary): void {
    if (process.connected) process.send?.(message);
  }

  close(): Promise<void> {
    return this.channel.close();
  }
}
