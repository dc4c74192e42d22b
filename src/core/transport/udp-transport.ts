import dgram from 'node:dgram';
import dns from 'node:dns';
import net from 'node:net';
import { attachSteering } from './steering/attach.js';
import { dialogSteeringProgram, steeringTable } from './steering/dialog-steering.js';
import type { Destination, MessageHandler, Transport } from './transport.js';

const SOCKET_BUFFER_BYTES = 4 * 1024 * 1024;

function trySetBuffers(socket: dgram.Socket, bytes: number): void {
  try {
    socket.setRecvBufferSize(bytes);
    socket.setSendBufferSize(bytes);
  } catch {
    // not permitted here: the defaults still work, only bursts suffer
  }
}

type LookupDone = (err: NodeJS.ErrnoException | null, address: string, family: number) => void;

/**
 * dgram looks up every destination before it sends, even an IP address, and
 * answers in a later turn (process.nextTick), so each datagram waited for a
 * deferred call. The destinations we send to are addresses already (names
 * are resolved above the transport): answer at once, and leave anything else
 * to dns.lookup. Node passes the socket's family as a number, where its types
 * say an options object: take either.
 */
function lookupAddress(address: string, options: dns.LookupOneOptions | number, done: LookupDone): void {
  const family = typeof options === 'number' ? options : (options.family ?? 0);
  if (net.isIP(address) === family) done(null, address, family);
  else if (typeof options === 'number') dns.lookup(address, options, done);
  else dns.lookup(address, options, done);
}

export class UdpTransport implements Transport {
  readonly name = 'UDP' as const;
  private socket: dgram.Socket | undefined;
  localPort: number;

  constructor(
    readonly localAddress: string,
    port: number,
    private readonly onMessage: MessageHandler,
    /**
     * Several worker processes bind the same address and port (SO_REUSEPORT):
     * each its own socket, and the kernel hashes each source to one of them.
     */
    private readonly sharedPort = false,
  ) {
    this.localPort = port;
  }

  listen(): Promise<void> {
    const socket = dgram.createSocket({ type: net.isIPv6(this.localAddress) ? 'udp6' : 'udp4', reusePort: this.sharedPort, lookup: lookupAddress });
    this.socket = socket;
    socket.on('message', (data, rinfo) => {
      // Keep-alive CRLF (RFC 5626 §4.4.1) and stray noise: nothing to parse.
      if (data.length <= 4 && data.every((b) => b === 0x0d || b === 0x0a || b === 0x00)) return;
      this.onMessage(data, {
        transport: 'UDP',
        address: rinfo.address,
        port: rinfo.port,
        localAddress: this.localAddress,
        localPort: this.localPort,
      });
    });
    return new Promise((resolve, reject) => {
      socket.once('error', reject);
      // exclusive: a cluster worker binds its own socket rather than sharing the primary's handle.
      socket.bind({ port: this.localPort, address: this.localAddress, exclusive: this.sharedPort }, () => {
        socket.off('error', reject);
        // A send error (e.g. ICMP unreachable surfaced by the OS) must never take the server down.
        socket.on('error', () => undefined);
        // A burst arriving during a GC pause must wait in the kernel, not be dropped:
        // ask for 4 MB (the kernel caps it at net.core.rmem_max / wmem_max).
        trySetBuffers(socket, SOCKET_BUFFER_BYTES);
        this.localPort = socket.address().port;
        resolve();
      });
    });
  }

  steer(workers: number): Promise<string | null> {
    if (!this.socket) return Promise.resolve('not listening');
    return attachSteering(this.socket, dialogSteeringProgram(workers), steeringTable());
  }

  send(destination: Destination, data: Buffer): boolean {
    if (!this.socket) return false;
    // No callback: a failed send is dropped either way (UDP gives no promise), and a
    // callback costs a deferred call for every datagram sent.
    this.socket.send(data, destination.port, destination.address);
    return true;
  }

  close(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    if (!socket) return Promise.resolve();
    return new Promise((resolve) => socket.close(() => resolve()));
  }
}
