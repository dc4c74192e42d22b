/**
 * `npm run cdr -- [--config FILE] [--since TIME] [--until TIME] [--number N]
 * [--voice-group ID] [--site ID] [--limit N] [--csv | --json]`: call detail
 * records from Redis, oldest first, for the operator on the server machine.
 * TIME is ISO 8601 (2026-11-21T10:00:00+09:00) or an age: 30m, 12h, 7d.
 */
import { parseArgs } from 'node:util';
import { CSV_COLUMNS, csvRow } from '../api/cdr-view.js';
import { stringifyCsv } from '../api/csv.js';
import { ConfigError, loadConfig } from '../config/load.js';
import { normalizeNumber } from '../numbers/national.js';
import { CdrStore, type StoredCallRecord } from '../store/cdr-store.js';
import { withCliRedis } from './cli-redis.js';

const USAGE =
  'usage: npm run cdr -- [--config FILE] [--since TIME] [--until TIME] [--number N] [--voice-group ID] [--site ID] [--limit N] [--csv | --json]\n' +
  '  TIME: ISO 8601 (2026-11-21T10:00:00+09:00) or an age (30m, 12h, 7d); --since defaults to 24h';

/** ms since the epoch for an ISO time or an age before `now`; undefined when it is neither. */
function parseWhen(text: string, now: number): number | undefined {
  const age = /^(\d+)([smhd])$/.exec(text);
  if (age) return now - Number(age[1]) * { s: 1000, m: 60_000, h: 3600_000, d: 86_400_000 }[age[2] as 's' | 'm' | 'h' | 'd'];
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : at;
}

function line(r: StoredCallRecord): string {
  const calling = r.callingNumber ?? 'unknown';
  const presented = r.presentation === 'presented' ? '' : ` (${r.presentation})`;
  const delivered = r.delivered ? ` -> ${r.delivered.kind}:${r.delivered.name}` : '';
  const forwards = r.forwards.length ? `  fwd ${r.forwards.map((f) => `${f.from}>${f.to}`).join(',')}` : '';
  return `${r.startedAt}  ${calling}${presented} -> ${r.calledNumber}${delivered}  ${r.status} ${r.outcome}  ${r.durationSeconds}s  ${r.endedBy}: ${r.endReason}${forwards}  [${r.callId}]`;
}

async function main(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: argv,
      options: {
        config: { type: 'string' },
        since: { type: 'string', default: '24h' },
        until: { type: 'string' },
        number: { type: 'string' },
        'voice-group': { type: 'string' },
        site: { type: 'string' },
        limit: { type: 'string', default: '10000' },
        csv: { type: 'boolean' },
        json: { type: 'boolean' },
      },
    });
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const now = Date.now();
  const v = args.values;
  const from = parseWhen(v.since, now);
  const to = v.until === undefined ? now : parseWhen(v.until, now);
  const limit = Number(v.limit);
  const number = v.number === undefined ? undefined : (normalizeNumber(v.number) ?? v.number);
  if (from === undefined || to === undefined || !Number.isInteger(limit) || limit < 1 || (v.csv && v.json)) {
    console.error(USAGE);
    return 2;
  }
  const config = loadConfig({ file: v.config });
  return withCliRedis(config, async (redis) => {
    const store = new CdrStore(redis, config.cdr.retentionDays * 86_400_000);
    const { records } = await store.read({
      ...(v['voice-group'] !== undefined ? { voiceGroupId: v['voice-group'] } : {}),
      from,
      to,
      limit,
      maxScan: Number.MAX_SAFE_INTEGER,
      keep: (r) =>
        (v.site === undefined || r.parties.some((p) => p.siteId === v.site)) &&
        (number === undefined || r.callingNumber === number || r.calledNumber === number || r.parties.some((p) => p.number === number)),
    });
    if (v.json) console.log(JSON.stringify(records, null, 2));
    else if (v.csv) process.stdout.write(stringifyCsv([[...CSV_COLUMNS], ...records.map(csvRow)]));
    else for (const r of records) console.log(line(r));
    if (!v.json && !v.csv) console.error(`${records.length} record(s)`);
    return 0;
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err instanceof ConfigError ? err.message : `cdr failed: ${(err as Error).message}`);
    process.exitCode = 1;
  },
);
