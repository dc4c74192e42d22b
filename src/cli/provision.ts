import { pino } from 'pino';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config/load.js';
import { createLogger } from '../log.js';
import { applyProvisioning, loadProvisioningFile, ProvisioningError, type ProvisioningResult } from '../provisioning/apply.js';
import { parseProvisioning, provisioningOptions } from '../provisioning/schema.js';
import { withCliRedis } from './cli-redis.js';

/**
 * `npm run provision -- [--config FILE] PROVISIONING_FILE`
 *
 * Applies a provisioning file to the configured Redis (REDIS_URL / config),
 * or to the embedded instance of a running `npm start` — it never starts one.
 */

const USAGE = 'usage: npm run provision -- [--config FILE] PROVISIONING_FILE';

/** The provisioning file and `--config FILE`, or undefined when the command line is not that. */
function readArgs(argv: string[]): { file: string; config: string | undefined } | undefined {
  try {
    const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { config: { type: 'string' } } });
    return positionals.length === 1 ? { file: positionals[0]!, config: values.config } : undefined;
  } catch {
    return undefined;
  }
}

export function summary(r: ProvisioningResult): string {
  const row = (name: string, c: { created: number; updated: number; unchanged: number; removed?: number }) =>
    `  ${name.padEnd(16)} ${c.created} created, ${c.updated} updated, ${c.unchanged} unchanged` + (c.removed !== undefined ? `, ${c.removed} removed` : '');
  return [
    row('voice groups', r.voiceGroups),
    row('sites', r.sites),
    row('lines', r.lines),
    row('numbers', r.numbers),
    row('hunt groups', r.huntGroups),
    row('bulk groups', r.bulkGroups),
    row('features', r.features),
    row('options', r.options),
    row('peers', r.peers),
    row('outbound routes', r.outboundRoutes),
    row('emergency routes', r.emergencyRoutes),
    row('voice mail', r.voicemail),
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const args = readArgs(argv);
  if (!args) {
    console.error(USAGE);
    return 2;
  }
  const { file } = args;
  const config = loadConfig({ file: args.config });
  // Logs go to stderr (stdout carries the summary); routine info such as
  // redis.connected is noise for a one-shot command, so info becomes warn.
  const log = createLogger(config.log.level === 'info' ? 'warn' : config.log.level, pino.destination(2));

  // Validate the file before touching Redis, so a bad file is reported even with no server running.
  const contents = loadProvisioningFile(file);
  parseProvisioning(contents, provisioningOptions(config));

  return withCliRedis(config, async (redis) => {
    const result = await applyProvisioning(redis, config, contents, log);
    console.log(`provisioned ${file}:\n${summary(result)}`);
    return 0;
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof ProvisioningError) {
      console.error(`refused, nothing applied:\n  ${err.issues.join('\n  ')}`);
    } else if (err instanceof ConfigError) {
      console.error(err.message);
    } else {
      console.error(`provisioning failed: ${(err as Error).message}`);
    }
    process.exitCode = 1;
  },
);
