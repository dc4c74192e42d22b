import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import {
  algorithmsSchema,
  configSchema,
  DEFAULT_LISTEN,
  formatIssues,
  hostSchema,
  ipAddressSchema,
  logLevelSchema,
  nodeIdSchema,
  nonceSecretSchema,
  portSchema,
  realmSchema,
  redisUrlSchema,
  workersSchema,
  udpSteeringSchema,
  udpGatherSecondsSchema,
  type Config,
} from './schema.js';
import { readTlsFiles } from './tls-files.js';

/** Start-up stops on this; every issue names its field (or env variable). */
export class ConfigError extends Error {
  readonly issues: string[];
  constructor(issues: string[], source?: string) {
    super(`invalid configuration${source ? ` (${source})` : ''}:\n  ${issues.join('\n  ')}`);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

/** The repository root: the nearest folder above this module holding package.json (works from src/ and dist/src/). */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(resolve(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
}

export const DEFAULT_CONFIG_FILE = 'config/default.yaml';

/** Environment overrides: variable -> validator. Values are checked alone so an error names the variable. */
const ENV_SCHEMAS = {
  REDIS_URL: redisUrlSchema,
  LOG_LEVEL: logLevelSchema,
  SIP_DOMAIN: hostSchema,
  SIP_REALM: realmSchema,
  SIP_PORT: portSchema,
  SIP_ADDRESS: ipAddressSchema,
  NODE_ID: nodeIdSchema,
  NONCE_SECRET: nonceSecretSchema,
  AUTH_ALGORITHMS: algorithmsSchema,
  API_PORT: portSchema,
  API_OPERATOR_PASSWORD: z.string().min(1),
  METRICS_ADDRESS: ipAddressSchema,
  METRICS_PORT: portSchema,
  WORKERS: workersSchema,
  UDP_STEERING: udpSteeringSchema,
  UDP_GATHER_SECONDS: udpGatherSecondsSchema,
} satisfies Record<string, z.ZodType>;

type Raw = Record<string, unknown>;

/**
 * Load the configuration: built-in defaults, then the file (YAML or JSON;
 * `opts.file`, else `SOFTSWITCH_CONFIG`, else config/default.yaml), then
 * environment overrides. Relative paths in the result (redis.embedded.dataDir,
 * provisioning.file, sip.tls files) are resolved against the repository root;
 * the TLS certificate and key are read and checked. Throws
 * ConfigError listing every problem; never returns a half-valid config.
 */
export function loadConfig(opts: { file?: string; env?: NodeJS.ProcessEnv } = {}): Config {
  const env = opts.env ?? process.env;
  const root = repoRoot();
  const explicit = opts.file ?? (env.SOFTSWITCH_CONFIG || undefined);
  const file = explicit !== undefined ? resolve(explicit) : resolve(root, DEFAULT_CONFIG_FILE);

  const raw = readConfigFile(file, explicit !== undefined);
  const issues = applyEnv(raw, env);
  const parsed = configSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) issues.push(...formatIssues(parsed.error.issues));
  if (issues.length > 0 || !parsed.success) throw new ConfigError(issues, file);

  const config = parsed.data;
  config.redis.embedded.dataDir = resolveFrom(root, config.redis.embedded.dataDir);
  config.provisioning.file = resolveFrom(root, config.provisioning.file);
  const tls = config.sip.tls;
  if (tls) {
    tls.certFile = resolveFrom(root, tls.certFile);
    tls.keyFile = resolveFrom(root, tls.keyFile);
    if (tls.caFile) tls.caFile = resolveFrom(root, tls.caFile);
    const read = readTlsFiles(tls);
    if ('issues' in read) throw new ConfigError(read.issues, file);
  }
  return config;
}

function resolveFrom(root: string, p: string): string {
  return isAbsolute(p) ? p : resolve(root, p);
}

function readConfigFile(file: string, required: boolean): Raw {
  if (!existsSync(file)) {
    if (required) throw new ConfigError([`config file not found: ${file}`]);
    return {};
  }
  let data: unknown;
  try {
    // YAML 1.2 is a superset of JSON, so one parser reads both.
    data = parseYaml(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError([`cannot parse ${file}: ${(err as Error).message.split('\n')[0]}`]);
  }
  if (data === null || data === undefined) return {};
  if (typeof data !== 'object' || Array.isArray(data)) throw new ConfigError([`${file}: must be a mapping of settings`]);
  return data as Raw;
}

/** Validate each set env variable and write the valid ones into the raw config. Returns issues. */
function applyEnv(raw: Raw, env: NodeJS.ProcessEnv): string[] {
  const issues: string[] = [];
  const values: Partial<Record<keyof typeof ENV_SCHEMAS, unknown>> = {};
  for (const [name, schema] of Object.entries(ENV_SCHEMAS) as Array<[keyof typeof ENV_SCHEMAS, z.ZodType]>) {
    const text = env[name];
    if (text === undefined || text === '') continue;
    const input =
      (name === 'SIP_PORT' || name === 'API_PORT' || name === 'METRICS_PORT' || name === 'WORKERS' || name === 'UDP_GATHER_SECONDS') && /^\d+$/.test(text)
        ? Number(text)
        : name === 'AUTH_ALGORITHMS'
          ? text.split(',').map((a) => a.trim().toUpperCase())
          : text;
    const r = schema.safeParse(input);
    if (r.success) values[name] = r.data;
    else
      issues.push(
        `${name}: ${(name === 'SIP_PORT' || name === 'API_PORT' || name === 'METRICS_PORT') && typeof input === 'string' ? 'must be between 1 and 65535' : r.error.issues[0]?.message}`,
      );
  }

  const section = (key: string): Raw => {
    const v = raw[key];
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) return v as Raw;
    const fresh: Raw = {};
    if (v === undefined) raw[key] = fresh;
    return fresh; // a non-object section stays as it is and fails validation by name
  };
  if (values.REDIS_URL !== undefined) section('redis').url = values.REDIS_URL;
  if (values.LOG_LEVEL !== undefined) section('log').level = values.LOG_LEVEL;
  if (values.NODE_ID !== undefined) raw.nodeId = values.NODE_ID;
  if (values.WORKERS !== undefined) raw.workers = values.WORKERS;
  if (values.UDP_STEERING !== undefined) raw.udpSteering = values.UDP_STEERING;
  if (values.UDP_GATHER_SECONDS !== undefined) raw.udpGatherSeconds = values.UDP_GATHER_SECONDS;
  if (values.NONCE_SECRET !== undefined) section('auth').nonceSecret = values.NONCE_SECRET;
  if (values.AUTH_ALGORITHMS !== undefined) section('auth').algorithms = values.AUTH_ALGORITHMS;
  if (values.API_PORT !== undefined) section('api').port = values.API_PORT;
  if (values.METRICS_ADDRESS !== undefined) section('metrics').address = values.METRICS_ADDRESS;
  if (values.METRICS_PORT !== undefined) section('metrics').port = values.METRICS_PORT;
  if (values.API_OPERATOR_PASSWORD !== undefined) {
    const api = section('api');
    const operator = api.operator !== null && typeof api.operator === 'object' ? (api.operator as Raw) : {};
    api.operator = { ...operator, password: values.API_OPERATOR_PASSWORD };
  }
  if (values.SIP_DOMAIN !== undefined) section('sip').domain = values.SIP_DOMAIN;
  if (values.SIP_REALM !== undefined) section('sip').realm = values.SIP_REALM;
  if (values.SIP_PORT !== undefined || values.SIP_ADDRESS !== undefined) {
    const sip = section('sip');
    if (sip.listen === undefined) sip.listen = DEFAULT_LISTEN.map((l) => ({ ...l }));
    if (Array.isArray(sip.listen)) {
      sip.listen = sip.listen.map((l: unknown) => {
        if (l === null || typeof l !== 'object') return l;
        const entry: Raw = { ...(l as Raw) };
        // SIP_PORT is the UDP/TCP port; TLS and WebSocket listeners keep their own (they would clash with TCP).
        if (values.SIP_PORT !== undefined && (entry.transport === 'udp' || entry.transport === 'tcp' || entry.transport === undefined)) {
          entry.port = values.SIP_PORT;
        }
        if (values.SIP_ADDRESS !== undefined) entry.address = values.SIP_ADDRESS;
        return entry;
      });
    }
  }
  return issues;
}
