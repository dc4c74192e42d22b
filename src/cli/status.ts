/**
 * `npm run status -- [--config FILE] [--json] SIP_ID...`: a line's registration
 * status, live bindings and latest error, as the customer portal will show them.
 */
import { pino } from 'pino';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config/load.js';
import { createLogger } from '../log.js';
import { remainingSeconds } from '../registrar/binding.js';
import { BindingStore } from '../store/binding-store.js';
import { readLineStatus, RegistrationStatusStore, type LineStatus } from '../store/registration-status.js';
import { LineStore } from '../store/line-store.js';
import { createRedis, waitForRedis } from '../store/redis.js';
import { redisUrlForCli } from './cli-redis.js';

const USAGE = 'usage: npm run status -- [--config FILE] [--json] SIP_ID [SIP_ID...]';

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
    args = parseArgs({ args: argv, allowPositionals: true, options: { config: { type: 'string' }, json: { type: 'boolean' } } });
  } catch {
    args = undefined;
  }
  const ids = args?.positionals ?? [];
  if (!args || ids.length === 0) {
    console.error(USAGE);
    return 2;
  }
  const json = args.values.json ?? false;
  const config = loadConfig({ file: args.values.config });
  const target = await redisUrlForCli(config);
  if ('error' in target) {
    console.error(target.error);
    return 1;
  }
  const log = createLogger('warn', pino.destination(2));
  const redis = createRedis(target.url, config.redis.keyPrefix, log);
  try {
    await waitForRedis(redis, 5000);
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
  } finally {
    redis.disconnect();
  }
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
