import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import { parse as parseYaml } from 'yaml';
import type { Config } from '../config/schema.js';
import type { Log } from '../log.js';
import { applyPlan, type ApplyOptions } from '../store/provisioning/apply-plan.js';
import type { ProvisioningResult } from '../store/provisioning/part.js';
import { plan } from './plan.js';
import { parseProvisioning, ProvisioningError, provisioningOptions } from './schema.js';

export { ProvisioningError } from './schema.js';
export type { KindCounts, KindCountsRemoved, ProvisioningResult } from '../store/provisioning/part.js';
export { plan } from './plan.js';

/** Read a provisioning file; YAML or JSON (by extension, else YAML, which also reads JSON). */
export function loadProvisioningFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ProvisioningError([`cannot read ${path}: ${(err as Error).message}`]);
  }
  try {
    return path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new ProvisioningError([`cannot parse ${path}: ${(err as Error).message.split('\n')[0]}`]);
  }
}

/**
 * Apply a provisioning file to Redis: validate the file, then hand the plan to
 * the store, which checks it against what Redis holds and writes every change
 * in one MULTI/EXEC under WATCH, so nothing is ever half-applied. Upsert:
 * entities in the file are created or updated, others are left alone (routing
 * sections the file gives replace the stored ones whole); re-applying a file
 * is a no-op.
 */
export async function applyProvisioning(
  redis: Redis,
  config: Config,
  fileContents: unknown,
  log?: Log,
  now?: () => number,
  options?: ApplyOptions,
): Promise<ProvisioningResult> {
  return applyPlan(redis, plan(parseProvisioning(fileContents, provisioningOptions(config)), config.sip.realm), log, now, options);
}
