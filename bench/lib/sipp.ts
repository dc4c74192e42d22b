import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { runBounded, cpuSeconds, sleep } from './proc.js';

/** The end-of-run figures of one SIPp process, from its -trace_stat file. */
export interface SippStats {
  successful: number;
  failed: number;
  created: number;
  retransmissions: number;
  /** Seconds from SIPp's StartTime to the last stats dump (its end). */
  elapsedSec: number;
  /** SIPp's own cumulative call-creation rate. */
  callRate: number;
}

/** Parses the last row of a SIPp -trace_stat CSV (';'-separated, header first). */
export function parseSippStats(csv: string): SippStats | undefined {
  const rows = csv
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  if (rows.length < 2) return undefined;
  const head = (rows[0] ?? '').split(';');
  const last = (rows[rows.length - 1] ?? '').split(';');
  const col = (name: string): string => {
    const i = head.indexOf(name);
    if (i < 0) throw new Error(`sipp stats: no column ${name}`);
    return last[i] ?? '';
  };
  const num = (name: string): number => Number(col(name));
  // Time columns read "YYYY-MM-DD\tHH:MM:SS.micro\tepoch.micro"; the epoch is the precise one.
  const epoch = (name: string): number => Number(col(name).split('\t').pop());
  return {
    successful: num('SuccessfulCall(C)'),
    failed: num('FailedCall(C)'),
    created: num('TotalCallCreated'),
    retransmissions: num('Retransmissions(C)'),
    elapsedSec: epoch('CurrentTime') - epoch('StartTime'),
    callRate: num('CallRate(C)'),
  };
}

export interface SippRunOptions {
  scenario: string;
  usersCsv: string;
  target: string; // host:port
  localPort: number;
  rate: number;
  calls: number;
  /** Cap on simultaneous registrations in flight (-l). */
  limit: number;
  durationSec: number;
  workDir: string;
  tag: string;
  /** Local address to bind (a 127.0.0.0/8 address); 127.0.0.1 when not given. */
  localIp?: string;
  /** More SIPp options, e.g. ['-d', '100'] for the scenario's pause. */
  extraArgs?: string[];
  /** Where SIPp writes why each failed call failed (-trace_err). */
  errorFile?: string;
}

export interface SippRun {
  stats: SippStats | undefined;
  exitCode: number | null;
  killed: boolean;
  wallMs: number;
  /** SIPp's CPU use in % of one core over the run (sampled; SIPp is single-threaded). */
  cpuPercent: number;
  errorTail: string;
}

/** Command-line arguments for one bounded REGISTER run (traffic to 127.0.0.1 only). */
export function sippArgs(o: SippRunOptions, statFile: string): string[] {
  return [
    '-sf',
    o.scenario,
    '-inf',
    o.usersCsv,
    '-i',
    o.localIp ?? '127.0.0.1',
    '-p',
    String(o.localPort),
    '-r',
    String(o.rate),
    '-rp',
    '1000',
    '-m',
    String(o.calls),
    '-l',
    String(o.limit),
    '-recv_timeout',
    '5000', // lets a lost UDP packet be retransmitted (0.5, 1.5, 3.5 s) before the registration fails
    '-timeout',
    String(o.durationSec + 10),
    // 1 MB socket buffers so bursts of responses are not dropped at SIPp's end.
    '-buff_size',
    '1048576',
    '-nostdin',
    '-trace_stat',
    '-stf',
    statFile,
    '-fd',
    '1',
    ...(o.errorFile ? ['-trace_err', '-error_file', o.errorFile] : []),
    ...(o.extraArgs ?? []),
    o.target,
  ];
}

/**
 * Why calls failed, from a SIPp -trace_err file: "unexpected <status line or
 * method>" and "receive timeout", most frequent first, e.g.
 * "12x unexpected SIP/2.0 486 Busy Here, 3x receive timeout".
 */
export function summarizeSippErrors(text: string, max = 4): string {
  const counts = new Map<string, number>();
  const bump = (k: string) => counts.set(k, (counts.get(k) ?? 0) + 1);
  for (const m of text.matchAll(/Aborting call on unexpected message[^']*'[^']*': [^,]*, received '([^\r\n]*)/g)) bump(`unexpected ${m[1]!.trim()}`);
  // A timeout with a label to jump to is part of the scenario (late-180 window), not a failure.
  for (const _ of text.matchAll(/receive timeout on message [^\n]*without label to jump to/g)) bump('receive timeout');
  for (const _ of text.matchAll(/Max number of retransmissions? reached|retransmission.*limit/gi)) bump('retransmissions exhausted');
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, max)
    .map(([k, n]) => `${n}x ${k}`)
    .join(', ');
}

/** Runs one SIPp process and returns its figures; hard-killed after duration + 15 s. */
export async function runSipp(o: SippRunOptions): Promise<SippRun> {
  if (!o.target.startsWith('127.')) throw new Error(`bench traffic is loopback only, not ${o.target}`);
  if (o.localIp !== undefined && !o.localIp.startsWith('127.')) throw new Error(`bench traffic is loopback only, not from ${o.localIp}`);
  const statFile = join(o.workDir, `sipp-${o.tag}.csv`);
  let pid = 0;
  let firstCpu = 0;
  let lastCpu = 0;
  let firstAt = 0;
  let lastAt = 0;
  let done = false;
  // SIPp's CPU is sampled from /proc while it runs; the last sample is at most 200 ms old.
  const sampler = (async () => {
    while (!done) {
      if (pid) {
        const c = cpuSeconds(pid);
        const now = performance.now();
        if (c > 0 || firstAt === 0) {
          if (firstAt === 0) {
            firstCpu = c;
            firstAt = now;
          }
          lastCpu = c;
          lastAt = now;
        }
      }
      await sleep(200);
    }
  })();
  const res = await runBounded('sipp', sippArgs(o, statFile), {
    cwd: o.workDir,
    hardLimitMs: (o.durationSec + 15) * 1000,
    role: 'sipp',
    onSpawn: (p) => {
      pid = p;
    },
  });
  done = true;
  await sampler;
  let stats: SippStats | undefined;
  try {
    stats = parseSippStats(await readFile(statFile, 'utf8'));
  } catch {
    stats = undefined;
  }
  const span = (lastAt - firstAt) / 1000;
  return {
    stats,
    exitCode: res.code,
    killed: res.killed,
    wallMs: res.wallMs,
    cpuPercent: span > 0.5 ? (100 * (lastCpu - firstCpu)) / span : 0,
    errorTail: res.stderr.split('\n').slice(-5).join('\n'),
  };
}
