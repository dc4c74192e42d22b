import type { FastifyInstance, FastifyRequest, FastifySchema } from 'fastify';
import { hasZodFastifySchemaValidationErrors, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Actor } from './accounts/roles.js';
import { ApiError, badRequest, unauthorized } from './errors.js';
import { credentialOf } from './session-cookie.js';

/**
 * One API operation, declared with zod schemas. `addRoute` hands them to
 * Fastify (validated by fastify-type-provider-zod, documented by
 * @fastify/swagger), so validation and the OpenAPI document never disagree.
 */
export interface RouteSpec<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType, R extends z.ZodType> {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Fastify path, e.g. `/numbers/:number/features`. */
  url: string;
  summary: string;
  tag: string;
  params?: P;
  query?: Q;
  body?: B;
  /** Set for a body that is not JSON (CSV upload): the raw text arrives as `body`. */
  rawBody?: 'text/csv';
  response: R;
  /** Set for a response that is not JSON (CSV download). */
  rawResponse?: 'text/csv';
  status?: number;
  /** Default true: a valid bearer token is required. */
  auth?: boolean;
  handler(request: ApiRequest<z.infer<P>, z.infer<Q>, z.infer<B>>, reply: ApiReply): Promise<z.infer<R>>;
}

export interface ApiRequest<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  /** The logged-in account; null only on routes with `auth: false`. */
  actor: Actor;
  ifMatch: string | undefined;
  /** The client's address, for logs. */
  address: string;
}

export interface ApiReply {
  header(name: string, value: string): void;
  status(code: number): void;
}

/** Any route, as the API keeps them until they are registered. */
export type AnyRoute = RouteSpec<z.ZodType, z.ZodType, z.ZodType, z.ZodType>;

export interface RouteContext {
  /** The actor behind a bearer token, or undefined. */
  authenticate(header: string | undefined): Promise<Actor | undefined>;
}

/** The `{ error, message, issues }` body every error uses (documented as the default response). */
export const errorSchema = z.object({ error: z.string(), message: z.string(), issues: z.array(z.string()).optional() }).meta({ id: 'Error' });

const actors = new WeakMap<FastifyRequest, Actor>();

export function addRoute<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType, R extends z.ZodType>(
  app: FastifyInstance,
  context: RouteContext,
  spec: RouteSpec<P, Q, B, R>,
): void {
  const ok = spec.rawResponse ? { content: { [spec.rawResponse]: { schema: spec.response } } } : spec.response;
  const schema: FastifySchema = {
    summary: spec.summary,
    tags: [spec.tag],
    operationId: operationId(spec.method, spec.url),
    ...(spec.params ? { params: spec.params } : {}),
    ...(spec.query ? { querystring: spec.query } : {}),
    ...(spec.body ? { body: spec.body } : {}),
    ...(spec.rawBody ? { consumes: [spec.rawBody] } : {}),
    // 2xx too: a PUT answers 200 or 201 (created), and both carry the same view.
    response: { [spec.status ?? 200]: ok, '2xx': ok, default: errorSchema },
    ...(spec.auth === false ? { security: [] } : {}),
  };
  app.withTypeProvider<ZodTypeProvider>().route({
    method: spec.method,
    url: spec.url,
    schema,
    // Before validation, so a caller without a token learns nothing about the schemas.
    preValidation: async (req) => {
      if (spec.auth === false) return;
      // The Authorization header, or the portal's session cookie (CSRF-checked on writes).
      const actor = await context.authenticate(credentialOf(req));
      if (!actor) throw unauthorized();
      actors.set(req, actor);
    },
    handler: async (req, res) => {
      const ifMatch = typeof req.headers['if-match'] === 'string' ? req.headers['if-match'] : undefined;
      const reply: ApiReply = { header: (n, v) => void res.header(n, v), status: (c) => void res.status(c) };
      if (spec.status) res.status(spec.status);
      const request = {
        params: req.params,
        query: req.query,
        body: req.body,
        actor: actors.get(req) as Actor,
        ifMatch,
        address: req.ip,
      } as ApiRequest<z.infer<P>, z.infer<Q>, z.infer<B>>;
      const result = await spec.handler(request, reply);
      if (spec.rawResponse) res.type(spec.rawResponse);
      return result;
    },
  });
}

/** `getNumbersNumberFeatures` for `GET /numbers/:number/features`. */
function operationId(method: string, url: string): string {
  return method.toLowerCase() + url.replace(/:/g, '').replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ? c.toUpperCase() : ''));
}

const WHERE: Record<string, string> = { params: 'path', querystring: 'query', body: 'body', headers: 'headers' };

/** A request the zod schemas refused, as `invalid <where>` with `field.path: message` issues; undefined for any other error. */
export function validationError(err: unknown, req: FastifyRequest): ApiError | undefined {
  if (!hasZodFastifySchemaValidationErrors(err)) return undefined;
  const context = (err as { validationContext?: string }).validationContext ?? 'body';
  const where = context === 'body' && /^text\/csv/i.test(req.headers['content-type'] ?? '') ? 'CSV' : (WHERE[context] ?? context);
  const issues = err.validation.map((i) => `${i.instancePath.length > 1 ? i.instancePath.slice(1).replace(/\//g, '.') : where}: ${i.message}`);
  return badRequest(`invalid ${where}`, issues);
}

export { ApiError };
