import fastifySwagger from '@fastify/swagger';
import Fastify, { type FastifyInstance, LogController } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { Config } from '../config/schema.js';
import type { Log } from '../log.js';
import { LogSummariser } from '../log-summary.js';
import { RETRY_AFTER_SECONDS, StoreOutage } from '../store/redis-errors.js';
import { AccountStore, toActor } from '../store/account-store.js';
import type { Actor } from './accounts/roles.js';
import { TokenIssuer } from './accounts/tokens.js';
import { ApiError } from './errors.js';
import { addRoute, type AnyRoute, type RouteSpec, validationError } from './route.js';
import { Scopes } from './scope.js';
import { HistoryStore } from '../store/history-store.js';
import { SerialWriter } from './writer.js';
import { accountResources } from './resources/accounts.js';

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
  /** Refusals an attacker can repeat at will are summarised per source (first logged, then counts). */
  summary: LogSummariser;
  scopes: Scopes;
  accounts: AccountStore;
  /** Issues and checks bearer tokens (the login and password routes issue them). */
  tokens: TokenIssuer;
  now: () => number;
  /** Run when the app closes (stop timers a module started). */
  onClose(fn: () => void | Promise<void>): void;
}

export type ResourceModule = (api: ApiContext) => void;

export const OPENAPI_PATH = '/openapi.json';

/**
 * The management API (docs/product.md §6): Fastify with zod-declared routes, bearer
 * tokens, roles scoped to a voice group, site or number, and an OpenAPI
 * document at /openapi.json.
 */
export function createApi(deps: ApiDeps, modules: ResourceModule[]): FastifyInstance {
  const now = deps.now ?? Date.now;
  // Fastify logs through our pino logger; requests are not logged one by one (refusals and errors are, as api.* events).
  const app = Fastify({
    loggerInstance: deps.log.child({ component: 'api' }),
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 2 * 1024 * 1024,
  }) as unknown as FastifyInstance;
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  void app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'softswitch management API', version: '1' },
      security: [{ bearer: [] }],
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  app.addContentTypeParser('text/csv', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  const accounts = new AccountStore(deps.redis, now);
  const tokens = new TokenIssuer(deps.secret, (deps.config.api?.tokenTtl ?? 3600) * 1000, now);
  const specs: AnyRoute[] = [];
  const routeContext = {
    authenticate: async (header: string | undefined): Promise<Actor | undefined> => {
      const token = /^Bearer (\S+)$/i.exec(header ?? '')?.[1];
      const claims = token ? tokens.verify(token) : undefined;
      const record = claims ? await accounts.get(claims.name) : null;
      // A token dies with its password: its generation must still be the account's.
      return record && claims && (record.tokenGeneration ?? '') === claims.generation ? toActor(record) : undefined;
    },
  };
  const outage = deps.storeOutage ?? new StoreOutage([deps.redis, deps.writeRedis], deps.log);
  const summary = deps.summary ?? new LogSummariser(deps.log);
  app.addHook('onClose', async () => {
    if (!deps.storeOutage) outage.close();
    if (!deps.summary) summary.close();
  });

  const api: ApiContext = {
    define: (spec) => void specs.push(spec),
    redis: deps.redis,
    writer: new SerialWriter(deps.writeRedis),
    history: new HistoryStore(deps.redis, now),
    config: deps.config,
    log: deps.log,
    summary,
    scopes: new Scopes(deps.redis),
    accounts,
    tokens,
    now,
    onClose: (fn) =>
      void app.addHook('onClose', async () => {
        await fn();
      }),
  };

  app.setErrorHandler((caught, req, reply) => {
    const err = validationError(caught, req) ?? caught;
    if (err instanceof ApiError) {
      if (err.status >= 401 && err.status !== 404) {
        summary.info({ event: 'api.refused', address: req.ip, method: req.method, url: req.url, status: err.status, code: err.code }, err.message, [
          'status',
          'code',
        ]);
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
      void reply
        .status(503)
        .header('Retry-After', String(RETRY_AFTER_SECONDS))
        .send({ error: 'unavailable', message: `the data store is not answering; try again in ${RETRY_AFTER_SECONDS} s` });
      return;
    }
    deps.log.error({ event: 'api.error', method: req.method, url: req.url, err }, 'management API error');
    void reply.status(500).send({ error: 'internal', message: 'internal error' });
  });

  accountResources(api);
  for (const register of modules) register(api);

  // In a plugin registered after @fastify/swagger, so its onRoute hook sees every route.
  void app.register(async (scope) => {
    for (const spec of specs) addRoute(scope, routeContext, spec);
    scope.get(OPENAPI_PATH, { schema: { hide: true } }, async () => scope.swagger());
  });
  return app;
}
