/**
 * `npm run status -- [--config FILE] [--json] SIP_ID...`: a line's registration
 * status, live bindings and latest error, as the customer portal will show them.
 * `--targets`: the peers, IP trunks and route targets watched with OPTIONS, up or down.
 */
import type { Redis } from 'ioredis';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config/load.js';
import { remainingSeconds } from '../registrar/binding.js';
import { BindingStore } from '../store/binding-store.js';
import { readLineStatus, RegistrationStatusStore, type LineStatus } from '../store/registration-status.js';
import { LineStore } from '../store/line-store.js';
import { RouteStore } from '../store/route-store.js';
import { TargetHealthStore } from '../store/target-health-store.js';
import { readTargetStatus, renderTargetStatus } from '../monitoring/target-status.js';
import { withCliRedis } from './cli-redis.js';

const USAGE = 'usage: npm run status -- [--config FILE] [--json] SIP_ID [SIP_ID...]\n       npm run status -- [--config FILE] [--json] --targets';

function render(s: LineStatus, now: number): string {
  const lines = [`${s.sipId}: ${s.status}`];
  for (const b of s.bindings) {
    lines.push(
      `  contact ${b.uri}  expires in ${remainingSeconds(b, now)} s  from ${b.source.transport} ${b.source.address}:${b.source.port}${b.userAgent ? `  (${b.userAgent})` : ''}`,
    );
  }
  lines.push(`  latest error: ${s.latestError ? `${s.latestError.at} ${s.latestError.text}` : 'none'}`);
  return lines.join('\n');
}

async function main(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseArgs({ args: argv, allowPositionals: true, options: { config: { type: 'string' }, json: { type: 'boolean' }, targets: { type: 'boolean' } } });
  } catch {
    args = undefined;
  }
  const ids = args?.positionals ?? [];
  const targets = args?.values.targets ?? false;
  if (!args || (ids.length === 0 && !targets)) {
    console.error(USAGE);
    return 2;
  }
  const json = args.values.json ?? false;
  const config = loadConfig({ file: args.values.config });
  return withCliRedis(config, async (redis) => {
    if (targets) return await showTargets(redis, config, json);
    const stores = { lines: new LineStore(redis), bindings: new BindingStore(redis), status: new RegistrationStatusStore(redis, config.timeZone) };
    const now = Date.now();
    let code = 0;
    const results: LineStatus[] = [];
    for (const id of ids) {
      const status = await readLineStatus(id, stores, now);
      if (!status) {
        console.error(`${id}: no such line`);
        code = 1;
        continue;
      }
      results.push(status);
      if (!json) console.log(render(status, now));
    }
    if (json) console.log(JSON.stringify(results, null, 2));
    return code;
  });
}

/** The monitored targets and their state; a target down makes the exit code 3, for scripts. */
async function showTargets(redis: Redis, config: ReturnType<typeof loadConfig>, json: boolean): Promise<number> {
  const { peers, ipTrunks, routes } = config.monitoring;
  const status = await readTargetStatus(
    { routes: new RouteStore(redis), lines: new LineStore(redis), health: new TargetHealthStore(redis) },
    { peers, ipTrunks, routes },
  );
  if (json) console.log(JSON.stringify({ enabled: config.monitoring.enabled, targets: status }, null, 2));
  else {
    if (!config.monitoring.enabled) console.log('monitoring is off (monitoring.enabled: false): every route is used');
    for (const s of status) console.log(renderTargetStatus(s));
  }
  return status.some((s) => s.state === 'down') ? 3 : 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err instanceof ConfigError ? err.message : `status failed: ${(err as Error).message}`);
    process.exitCode = 1;
  },
);
