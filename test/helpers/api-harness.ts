import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import t from 'tap';
import { AccountStore } from '../../src/store/account-store.js';
import type { Actor } from '../../src/api/accounts/roles.js';
import { RESOURCE_MODULES } from '../../src/api/resources/index.js';
import { createApi, type ResourceModule } from '../../src/api/server.js';
import { configSchema, type Config } from '../../src/config/schema.js';
import { createLogger } from '../../src/log.js';
import { applyProvisioning } from '../../src/provisioning/apply.js';
import { createRedis, waitForRedis } from '../../src/store/redis.js';
import { startTestRedis, type TestRedis } from './redis-server.js';

/**
 * The management API in-process (the real Fastify app, createApi + every
 * resource module) on a real, throw-away redis-server, with a fixture of two
 * voice groups and an account for each role in and out of scope. Requests
 * go through `app.inject`, so no port is opened.
 */

/** Every fixture account's password (meets the policy: 8–40, letters and digits). */
export const PASSWORD = 'Secret1234';

/** The fixture: voice group VG1 (sites S1, S2) and VG2 (site S3). */
export const FIX = {
  vg1: 'VG1',
  vg2: 'VG2',
  s1: '1000001',
  s2: '1000002',
  s3: '2000001',
  /** Lines: a1 and a2 in S1, b1 in S2, c1 and c2 in S3. */
  lines: { a1: 'line-a1', a2: 'line-a2', b1: 'line-b1', c1: 'line-c1', c2: 'line-c2' },
  /** n1 (basic of a1), n1d (dial-in of a1), n2 (basic of a2): site S1. n3: S2. n4, n5: S3 of VG2. */
  n1: '0311110001',
  n1d: '0311110002',
  n2: '0311110003',
  n3: '0311120001',
  n4: '0322220001',
  n5: '0322220002',
  /**
   * Hunt group HG1 (pilot n1, member n2) and bulk group BG1 (n1, n1d; both
   * have a slot-5 destination) of S1; HG3 (pilot n4, member n5) and BG3 (n4,
   * no slot 5) of S3.
   */
  hunt: 'HG1',
  bulk: 'BG1',
  hunt3: 'HG3',
  bulk3: 'BG3',
};

/** The fixture accounts: one per role, with a second one out of the first's scope. */
export const ACCOUNTS = {
  operator: { name: 'operator', role: 'operator' },
  vgAdmin: { name: 'vg-alpha', role: 'voice-group-admin', voiceGroupId: FIX.vg1 },
  vgAdmin2: { name: 'vg-beta', role: 'voice-group-admin', voiceGroupId: FIX.vg2 },
  siteAdmin: { name: 'site-one', role: 'site-admin', siteId: FIX.s1 },
  siteAdmin2: { name: 'site-two', role: 'site-admin', siteId: FIX.s2 },
  numberUser: { name: 'user-n1', role: 'number-user', number: FIX.n1 },
  numberUser2: { name: 'user-n2', role: 'number-user', number: FIX.n2 },
} as const satisfies Record<string, Actor>;
export type AccountKey = keyof typeof ACCOUNTS;

const line = (sipId: string, basicNumber: string, dialInNumbers: string[] = []) => ({
  sipId,
  auth: 'digest',
  password: `${sipId}-pw-123`,
  channels: 4,
  basicNumber,
  dialInNumbers,
});

export const FIXTURE_DOCUMENT = {
  voiceGroups: [
    {
      id: FIX.vg1,
      name: 'Alpha Corp',
      sites: [
        {
          id: FIX.s1,
          name: 'Alpha HQ',
          lines: [line(FIX.lines.a1, FIX.n1, [FIX.n1d]), line(FIX.lines.a2, FIX.n2)],
          huntGroups: [{ id: FIX.hunt, pilot: FIX.n1, members: [FIX.n2] }],
          bulkGroups: [{ id: FIX.bulk, name: 'HQ night', members: [FIX.n1, FIX.n1d] }],
        },
        { id: FIX.s2, name: 'Alpha Branch', lines: [line(FIX.lines.b1, FIX.n3)] },
      ],
    },
    {
      id: FIX.vg2,
      name: 'Beta Ltd',
      sites: [
        {
          id: FIX.s3,
          name: 'Beta Office',
          lines: [line(FIX.lines.c1, FIX.n4), line(FIX.lines.c2, FIX.n5)],
          huntGroups: [{ id: FIX.hunt3, pilot: FIX.n4, members: [FIX.n5] }],
          bulkGroups: [{ id: FIX.bulk3, name: 'Beta night', members: [FIX.n4] }],
        },
      ],
    },
  ],
  features: {
    [FIX.n1]: { forwarding: { destinations: ['0312349999', null, null, null, '0312348888'] } },
    [FIX.n1d]: { forwarding: { destinations: [null, null, null, null, '0312348888'] } },
  },
};

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  /** Parsed JSON, or undefined for a non-JSON body. */
  body: any;
  text: string;
}

export interface ApiHarness {
  app: FastifyInstance;
  redis: Redis;
  config: Config;
  testRedis: TestRedis;
  /** The injected clock: set or advance `clock.now` (ms since the epoch). */
  clock: { now: number; advance(ms: number): void };
  /** A bearer token for a fixture account (cached per account until the clock moves). */
  login(key: AccountKey): Promise<string>;
  /** One request; `token` undefined sends none. JSON bodies are serialised, strings sent as they are. */
  req(token: string | undefined, method: string, url: string, body?: unknown, headers?: Record<string, string>): Promise<Reply>;
  /** Apply a provisioning document directly (fixture changes, not through the API). */
  provision(document: unknown): Promise<void>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  modules?: ResourceModule[];
  document?: unknown;
  /** Fixture accounts to create (default: all). */
  accounts?: AccountKey[];
  config?: Record<string, unknown>;
  startAt?: number;
}

/** Starts redis + the app, provisions the fixture, creates the accounts; torn down with the test file. */
export async function startApiHarness(options: HarnessOptions = {}): Promise<ApiHarness> {
  const testRedis = await startTestRedis();
  const log = createLogger('silent');
  const redis = createRedis(testRedis.url, 'api:', log);
  const writeRedis = createRedis(testRedis.url, 'api:', log);
  await Promise.all([waitForRedis(redis), waitForRedis(writeRedis)]);
  const config = configSchema.parse({ log: { level: 'silent' }, ...options.config });
  const clock = {
    now: options.startAt ?? Date.parse('2026-03-10T09:00:00Z'),
    advance(ms: number) {
      clock.now += ms;
      tokens.clear();
    },
  };
  const now = () => clock.now;
  await applyProvisioning(writeRedis, config, options.document ?? FIXTURE_DOCUMENT);
  const store = new AccountStore(redis, now);
  for (const key of options.accounts ?? (Object.keys(ACCOUNTS) as AccountKey[])) await store.create(ACCOUNTS[key], PASSWORD);
  const app = createApi({ redis, writeRedis, config, log, secret: Buffer.alloc(32, 7), now }, options.modules ?? RESOURCE_MODULES);
  await app.ready();

  const tokens = new Map<AccountKey, string>();
  const req: ApiHarness['req'] = async (token, method, url, body, headers = {}) => {
    const h: Record<string, string> = { ...headers };
    if (token) h.authorization = `Bearer ${token}`;
    let payload: string | undefined;
    if (body !== undefined) {
      payload = typeof body === 'string' ? body : JSON.stringify(body);
      h['content-type'] ??= typeof body === 'string' ? 'text/csv' : 'application/json';
    }
    const res = await app.inject({ method: method as 'GET', url, headers: h, ...(payload !== undefined ? { payload } : {}) });
    let parsed: unknown;
    try {
      parsed = res.body ? JSON.parse(res.body) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: res.statusCode, headers: res.headers, body: parsed, text: res.body };
  };
  const login = async (key: AccountKey) => {
    const cached = tokens.get(key);
    if (cached) return cached;
    const res = await req(undefined, 'POST', '/auth/login', { name: ACCOUNTS[key].name, password: PASSWORD });
    if (res.status !== 200) throw new Error(`login ${key}: ${res.status} ${res.text}`);
    tokens.set(key, res.body.token as string);
    return res.body.token as string;
  };
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await app.close();
    redis.disconnect();
    writeRedis.disconnect();
    await testRedis.stop();
  };
  t.teardown(close);
  return {
    app,
    redis,
    config,
    testRedis,
    clock,
    login,
    req,
    close,
    provision: async (document) => {
      await applyProvisioning(writeRedis, config, document);
    },
  };
}

/** GET then PATCH/PUT/etc. with the ETag just read as If-Match. */
export async function withEtag(h: ApiHarness, token: string, readUrl: string): Promise<Record<string, string>> {
  const res = await h.req(token, 'GET', readUrl);
  const etag = res.headers.etag;
  return typeof etag === 'string' ? { 'if-match': etag } : {};
}
