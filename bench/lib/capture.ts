import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { sleep, startManaged, stopManaged, type Managed } from './proc.js';

export const TCPDUMP_BIN = ['/usr/bin/tcpdump', '/usr/sbin/tcpdump'].find((p) => existsSync(p));

/**
 * BPF filter for SIP INVITEs to or from one UDP port: the first four payload
 * bytes are "INVI". Everything else stays out of the capture, so it costs
 * little even at high call rates.
 */
export function inviteFilter(port: number): string {
  return `udp and port ${port} and udp[8:4] = 0x494e5649`;
}

export interface Capture {
  proc: Managed;
  file: string;
  /** Stops tcpdump (SIGINT flushes the file) and returns the file and what the kernel dropped. */
  stop(): Promise<{ data: Buffer; kernelDrops: number | undefined }>;
}

/** "N packets dropped by kernel" from tcpdump's closing lines. */
export function kernelDrops(stderr: string): number | undefined {
  const m = /(\d+) packets? dropped by kernel/.exec(stderr);
  return m ? Number(m[1]) : undefined;
}

/**
 * tcpdump on the loopback interface, INVITEs of one port only, into `file`.
 * Bounded: at most maxPackets packets, and the caller stops it. Needs root
 * (or CAP_NET_RAW); -Z root keeps it from switching to a user that could not
 * write the temp dir. --immediate-mode: with TPACKET_V3 blocks, the packets of
 * the last block are lost when tcpdump is stopped.
 */
export async function startInviteCapture(o: { port: number; file: string; maxPackets: number }): Promise<Capture> {
  if (!TCPDUMP_BIN) throw new Error('tcpdump not found (apt-get install tcpdump)');
  const args = [
    '-i',
    'lo',
    '-n',
    '-U',
    '--immediate-mode',
    '-Z',
    'root',
    '-B',
    '16384',
    '-s',
    '0',
    '-c',
    String(o.maxPackets),
    '-w',
    o.file,
    inviteFilter(o.port),
  ];
  const proc = startManaged('tcpdump', TCPDUMP_BIN, args);
  const deadline = Date.now() + 10_000;
  while (!/listening on/.test(proc.stderr.text())) {
    if (proc.child.exitCode !== null || Date.now() > deadline) {
      await stopManaged(proc);
      throw new Error(`tcpdump did not start capturing:\n${proc.stderr.text()}`);
    }
    await sleep(50);
  }
  return {
    proc,
    file: o.file,
    async stop() {
      if (proc.child.exitCode === null && proc.child.signalCode === null) {
        proc.child.kill('SIGINT');
        const timer = setTimeout(() => proc.child.kill('SIGKILL'), 5000);
        await proc.exited;
        clearTimeout(timer);
      }
      return { data: await readFile(o.file), kernelDrops: kernelDrops(proc.stderr.text()) };
    },
  };
}
