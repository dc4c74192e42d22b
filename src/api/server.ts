import Fastify, { type FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { Config } from '../config/schema.js';
import type { Log } from '../log.js';
import { LogSummariser } from '../log-summary.js';
import { RETRY_AFTER_SECONDS, StoreOutage } from '../store/redis-errors.js';
import { AccountStore } from './accounts/account-store.js';
import { passwordProblem } from './accounts/passwords.js';
import { allowed, ROLES, type Actor } from './accounts/roles.js';
import { TokenIssuer } from './accounts/tokens.js';
import { ApiError, badRequest, forbidden, locked, notFound, unauthorized } from './errors.js';
import { buildOpenApi } from './openapi.js';
import { addRoute, type AnyRoute, type RouteSpec } from './route.js';
import { Scopes } from './scope.js';
import { HistoryStore } from './history.js';
import { SerialWriter } from './writer.js';

export interface ApiDeps {
  /** Reads (and the SIP side's shared client). */
  redis: Redis;
  /** A connection of its own for WATCH/MULTI writes, used one write at a time. */
  writeRedis: Redis;
  config: Config;
  log: Log;
  /** Signs tokens; every node must use the same one. */
  secret: Buffer;
  /** Injectable clock (lockouts, token expiry, history). */
  now?: () => number;
  /** The process's view of Redis availability (shared with SIP, so an outage is logged once); default: its own. */
  storeOutage?: StoreOutage;
  /** Where refusals are logged (repeats summarised); default: one of its own on `log`. */
  summary?: LogSummariser;
}

/** What a resource module gets to declare its routes. */
export interface ApiContext {
  define<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType, R extends z.ZodType>(spec: RouteSpec<P, Q, B, R>): void;
  redis: Redis;
  /** Every write goes through here: validation + WATCH/MULTI on a dedicated connection, serialised. */
  writer: SerialWriter;
  history: HistoryStore;
  config: Config;
  log: Log;
  scopes: Scopes;
  accounts: AccountStore;
  now: () => number;
  /** Run when the app closes (stop timers a module started). */
  onClose(fn: () => void | Promise<void>): void;
}

export type ResourceModule = (api: ApiContext) => void;

export const OPENAPI_PATH = '/openapi.json';

const actorSchema = z.object({
  name: z.string(),
  role: z.enum(ROLES),
  voiceGroupId: z.string().optional(),
  siteId: z.string().optional(),
  number: z.string().optional(),
});

const newAccountSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9._@-]{3,64}$/, { error: 'must be 3-64 characters of A-Z a-z 0-9 . _ @ -' }),
  password: z.string(),
  role: z.enum(ROLES),
  voiceGroupId: z.string().optional(),
  siteId: z.string().optional(),
  number: z.string().optional(),
});

/**
 * The management API (spec §6): Fastify with zod-declared routes, bearer
 * tokens, roles scoped to a voice group, site or number, and an OpenAPI
 * document at /openapi.json.
 */
export function createApi(deps: ApiDeps, modules: ResourceModule[]): FastifyInstance {
  const now = deps.now ?? Date.now;
  const app = Fastify({ logger: false, bodyLimit: 2 * 1024 * 1024 });
  app.addContentTypeParser('text/csv', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  const accounts = new AccountStore(deps.redis, now);
  const tokens = new TokenIssuer(deps.secret, (deps.config.api?.tokenTtl ?? 3600) * 1000, now);
  const registry: AnyRoute[] = [];
  const routeContext = {
    authenticate: async (header: string | undefined): Promise<Actor | undefined> => {
      const token = /^Bearer (\S+)$/i.exec(header ?? '')?.[1];
      const name = token ? tokens.verify(token) : undefined;
      const record = name ? await accounts.get(name) : null;
      return record ? { name: record.name, role: record.role, ...scopeFields(record) } : undefined;
    },
  };
  const api: ApiContext = {
    define: (spec) => addRoute(app, registry, routeContext, spec),
    redis: deps.redis, writer: new SerialWriter(deps.writeRedis), history: new HistoryStore(deps.redis, now),
    config: deps.config, log: deps.log, scopes: new Scopes(deps.redis), accounts, now,
    onClose: (fn) => void app.addHook('onClose', async () => { await fn(); }),
  };

  const outage = deps.storeOutage ?? new StoreOutage([deps.redis, deps.writeRedis], deps.log);
  const summary = deps.summary ?? new LogSummariser(deps.log);
  app.addHook('onClose', async () => {
    if (!deps.storeOutage) outage.close();
    if (!deps.summary) summary.close();
  });

  app.setErrorHandler((err, req, reply) => {
    if (err instanceof ApiError) {
      if (err.status >= 401 && err.status !== 404) {
        summary.info({ event: 'api.refused', address: req.ip, method: req.method, url: req.url, status: err.status, code: err.code }, err.message, ['status', 'code']);
      }
      void reply.status(err.status).send({ error: err.code, message: err.message, ...(err.issues ? { issues: err.issues } : {}) });
      return;
    }
    const status = (err as { statusCode?: number }).statusCode;
    if (status && status >= 400 && status < 500) {
      void reply.status(status).send({ error: 'bad_request', message: (err as Error).message });
      return;
    }
    if (outage.failed(err, { api: true, method: req.method, url: req.url })) {
      void reply.status(503).header('Retry-After', String(RETRY_AFTER_SECONDS))
        .send({ error: 'unavailable', message: `the data store is not answering; try again in ${RETRY_AFTER_SECONDS} s` });
      return;
    }
    deps.log.error({ event: 'api.error', method: req.method, url: req.url, err }, 'management API error');
    void reply.status(500).send({ error: 'internal', message: 'internal error' });
  });

  api.define({
    method: 'POST', url: '/auth/login', tag: 'accounts', summary: 'Log in; returns a bearer token', auth: false,
    body: z.strictObject({ name: z.string().min(1), password: z.string().min(1) }),
    response: z.object({ token: z.string(), expiresAt: z.string(), account: actorSchema }),
    handler: async ({ body, address }) => {
      const result = await accounts.login(body.name, body.password);
      if (!result.ok) {
        summary.warn({ event: 'api.login_failed', address, account: body.name, reason: result.why }, 'management login failed', ['account', 'reason']);
        if (result.why === 'locked') throw locked(new Date(result.until).toISOString());
        throw unauthorized('wrong name or password');
      }
      const { token, expiresAt } = tokens.issue(result.actor.name);
      return { token, expiresAt: new Date(expiresAt).toISOString(), account: result.actor };
    },
  });

  api.define({
    method: 'GET', url: '/me', tag: 'accounts', summary: 'The logged-in account', response: actorSchema,
    handler: async ({ actor }) => actor,
  });

  api.define({
    method: 'GET', url: '/accounts', tag: 'accounts', summary: 'Accounts the caller may manage', response: z.array(actorSchema),
    handler: async ({ actor }) => {
      // An account's own fields name only its site or number: resolve where it lives (as DELETE does) before checking.
      const all = await accounts.list();
      const where = await Promise.all(all.map((a) => accountScope(api.scopes, a).catch(() => ({}))));
      return all.filter((a, i) => a.name === actor.name || allowed(actor, 'accounts', where[i]!));
    },
  });

  api.define({
    method: 'POST', url: '/accounts', tag: 'accounts', summary: 'Create or replace an account within your scope', status: 201,
    body: newAccountSchema, response: actorSchema,
    handler: async ({ actor, body }) => {
      const problem = passwordProblem(body.password);
      if (problem) throw badRequest('invalid account', [`password: ${problem}`]);
      const target: Actor = { name: body.name, role: body.role, ...scopeFields(body) };
      const scope = await accountScope(api.scopes, target);
      // Nobody creates an account above their own role, or outside their scope.
      if (ROLES.indexOf(target.role) < ROLES.indexOf(actor.role) || !allowed(actor, 'accounts', scope)) throw forbidden('you may not create that account');
      await accounts.put(target, body.password);
      return target;
    },
  });

  api.define({
    method: 'DELETE', url: '/accounts/:name', tag: 'accounts', summary: 'Delete an account within your scope',
    params: z.object({ name: z.string() }), response: z.object({ deleted: z.string() }),
    handler: async ({ actor, params }) => {
      const record = await accounts.get(params.name);
      if (!record || !allowed(actor, 'accounts', await accountScope(api.scopes, record))) throw notFound('account');
      await accounts.remove(params.name);
      return { deleted: params.name };
    },
  });

  for (const register of modules) register(api);

  app.get(OPENAPI_PATH, async () => buildOpenApi(registry, '1'));
  return app;
}

function scopeFields(a: { voiceGroupId?: string | undefined; siteId?: string | undefined; number?: string | undefined }): Partial<Actor> {
  return {
    ...(a.voiceGroupId ? { voiceGroupId: a.voiceGroupId } : {}),
    ...(a.siteId ? { siteId: a.siteId } : {}),
    ...(a.number ? { number: a.number } : {}),
  };
}

/** The scope an account lives in, checked against what exists: a number user's number fixes its site and voice group. */
async function accountScope(scopes: Scopes, account: Actor): Promise<{ voiceGroupId?: string; siteId?: string; number?: string }> {
  const invalid = (field: string, why: string) => badRequest('invalid account', [`${field}: ${why}`]);
  switch (account.role) {
    case 'operator':
      return {};
    case 'voice-group-admin': {
      const s = account.voiceGroupId ? await scopes.ofVoiceGroup(account.voiceGroupId) : null;
      if (!s) throw invalid('voiceGroupId', 'must name an existing voice group');
      return s;
    }
    case 'site-admin': {
      const s = account.siteId ? await scopes.ofSite(account.siteId) : null;
      if (!s) throw invalid('siteId', 'must name an existing site');
      return s;
    }
    case 'number-user': {
      const s = account.number ? await scopes.ofNumber(account.number) : null;
      if (!s) throw invalid('number', 'must name an existing number');
      return s;
    }
  }
}
