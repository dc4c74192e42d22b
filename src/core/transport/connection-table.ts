import { randomBytes } from 'node:crypto';
import type net from 'node:net';
import type { Destination } from './transport.js';

/**
 * The open connections of a stream transport (TCP, WebSocket): by id, and
 * the latest one per remote "address:port", so a send that names no
 * connection (a response routed by Via) still finds the right one.
 */
export class ConnectionTable<C> {
  private readonly byId = new Map<string, C>();
  private readonly byRemote = new Map<string, string>();
  private nextId = 1;
  /**
   * Ids are unique to this run of the process (`tcp-<run>-<n>`): a binding
   * stored before a restart names a connection that no longer exists, and
   * must never find the new connection that happens to get the same number
   * (another customer's).
   */
  private readonly run = randomBytes(4).toString('hex');

  constructor(
    private readonly prefix: string,
    /** This process is worker N of a node: ids name it (`tcp-<run>w<N>-<n>`), so a sibling can ask it to send on one. */
    private readonly worker?: number,
  ) {}

  get size(): number {
    return this.byId.size;
  }

  /** Registers a new connection; returns its id and the function to call when it closes. */
  add(connection: C, address: string, port: number): { id: string; forget: () => void } {
    const id = `${this.prefix}-${this.run}${this.worker === undefined ? '' : `w${this.worker}`}-${this.nextId++}`;
    const remote = `${address}:${port}`;
    this.byId.set(id, connection);
    this.byRemote.set(remote, id);
    return {
      id,
      forget: () => {
        this.byId.delete(id);
        if (this.byRemote.get(remote) === id) this.byRemote.delete(remote);
      },
    };
  }

  get(id: string): C | undefined {
    return this.byId.get(id);
  }

  /** The destination's own connection when it is still open, else the latest from that address and port. */
  find(destination: Destination): C | undefined {
    const named = destination.connectionId ? this.byId.get(destination.connectionId) : undefined;
    if (named) return named;
    const id = this.byRemote.get(`${destination.address}:${destination.port}`);
    return id ? this.byId.get(id) : undefined;
  }

  values(): IterableIterator<C> {
    return this.byId.values();
  }

  clear(): void {
    this.byId.clear();
    this.byRemote.clear();
  }
}

/** Starts a listening server; resolves with the port actually bound (0 in the config means any). */
export function listenOn(server: net.Server, port: number, address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, address, () => {
      server.off('error', reject);
      // Errors after start-up (e.g. EMFILE on accept) must never take the process down.
      server.on('error', () => undefined);
      resolve((server.address() as net.AddressInfo).port);
    });
  });
}

/** The worker a connection id names (ConnectionTable with a worker), if any. */
export function workerOfConnection(connectionId: string): number | undefined {
  const match = /^(?:tcp|tls|ws|wss)-[0-9a-f]+w(\d{1,4})-\d+$/.exec(connectionId);
  return match ? Number(match[1]) : undefined;
}
