import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Actor } from './accounts/roles.js';
import { ApiError, badRequest, unauthorized } from './errors.js';
import { credentialOf } from './session-cookie.js';

/**
 * One API operation, declared Fastify-style with zod schemas: the schemas
 * validate at the edge (handlers get plain typed data) and feed the OpenAPI
 * document, so the two never disagree.
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

/** The routes registered so far, for the OpenAPI document. */
export type AnyRoute = RouteSpec<z.ZodType, z.ZodType, z.ZodType, z.ZodType>;

export interface RouteContext {
  /** The actor behind a bearer token, or undefined. */
  authenticate(header: string | undefined): Promise<Actor | undefined>;
}

const empty = z.object({});

export function addRoute<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType, R extends z.ZodType>(
  app: FastifyInstance, registry: AnyRoute[], context: RouteContext, spec: RouteSpec<P, Q, B, R>,
): void {
  registry.push(spec as unknown as AnyRoute);
  app.route({
    method: spec.method,
    url: spec.url,
    handler: async (req: FastifyRequest, res: FastifyReply) => {
      let actor: Actor | undefined;
      if (spec.auth !== false) {
        // The Authorization header, or the portal's session cookie (CSRF-checked on writes).
        actor = await context.authenticate(credentialOf(req));
        if (!actor) throw unauthorized();
      }
      const params = parse(spec.params ?? empty, req.params ?? {}, 'path');
      const query = parse(spec.query ?? empty, req.query ?? {}, 'query');
      const body = spec.body ? parse(spec.body, req.body, spec.rawBody ? 'CSV' : 'body') : undefined;
      const ifMatch = typeof req.headers['if-match'] === 'string' ? req.headers['if-match'] : undefined;
      const reply: ApiReply = { header: (n, v) => void res.header(n, v), status: (c) => void res.status(c) };
      if (spec.status) res.status(spec.status);
      const request = { params, query, body, actor: actor as Actor, ifMatch, address: req.ip } as ApiRequest<z.infer<P>, z.infer<Q>, z.infer<B>>;
      const result = await spec.handler(request, reply);
      if (spec.rawResponse) res.type(spec.rawResponse);
      return result;
    },
  });
}

/** zod issues as `field.path: message` lines. */
function parse<T>(schema: z.ZodType<T>, input: unknown, where: string): T {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => `${i.path.length ? i.path.map(String).join('.') : where}: ${i.message}`);
  throw badRequest(`invalid ${where}`, issues);
}

export { ApiError };
