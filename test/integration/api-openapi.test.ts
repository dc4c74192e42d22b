import { compileErrors, validate } from '@readme/openapi-parser';
import t from 'tap';
import { OPENAPI_PATH } from '../../src/api/server.js';
import { startApiHarness } from '../helpers/api-harness.js';

/**
 * The OpenAPI document served by the real app (every resource module
 * registered) is valid OpenAPI 3.1 by @readme/openapi-parser, and lists
 * exactly the routes the app answers.
 */
const h = await startApiHarness({ accounts: [] });

interface Doc {
  openapi: string;
  paths: Record<string, Record<string, { parameters?: Array<{ name: string; in: string }>; security?: unknown[]; requestBody?: unknown }>>;
}

const fetched = await h.req(undefined, 'GET', OPENAPI_PATH);
const doc = fetched.body as Doc;

/** `METHOD /path/:param` of every route Fastify has, from its route tree (HEAD is Fastify's automatic twin of GET). */
function fastifyRoutes(tree: string): string[] {
  const out: string[] = [];
  const stack: string[] = [];
  for (const line of tree.split('\n')) {
    const m = /^((?:[│ ] {3})*)[├└]── (\S+)(?: \(([^)]*)\))?$/.exec(line);
    if (!m) continue;
    const depth = m[1]!.length / 4;
    stack.length = depth;
    stack.push(m[2]!);
    const path = stack.join('');
    for (const method of (m[3] ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s && s !== 'HEAD' && s !== 'OPTIONS'))
      out.push(`${method} ${path}`);
  }
  return out.sort();
}

const documented = (d: Doc) =>
  Object.entries(d.paths)
    .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path.replace(/\{([^}]+)\}/g, ':$1')}`))
    .sort();

t.test('served at a stable path without a token', async (t) => {
  t.equal(fetched.status, 200);
  t.match(String(fetched.headers['content-type']), /application\/json/);
  t.equal(doc.openapi, '3.1.0');
});

t.test('the document validates', async (t) => {
  const result = await validate(structuredClone(doc) as never);
  t.ok(result.valid, result.valid ? 'valid OpenAPI' : compileErrors(result));
  t.same(result.warnings, [], 'no warnings');
});

t.test('the validator is not blind: a broken copy is refused', async (t) => {
  const broken = structuredClone(doc) as Record<string, any>;
  const [path] = Object.keys(broken.paths).filter((p) => p.includes('{'));
  t.ok(path, 'a path with a parameter to break');
  for (const op of Object.values<Record<string, unknown>>(broken.paths[path!])) delete op.parameters;
  const result = await validate(broken as never);
  t.notOk(result.valid, `undeclared path parameters in ${path} are an error`);
});

t.test('every route the app answers is documented, and nothing else', async (t) => {
  const routes = fastifyRoutes(h.app.printRoutes({ commonPrefix: false })).filter((r) => r !== `GET ${OPENAPI_PATH}`);
  t.ok(routes.length >= 6, `parsed ${routes.length} routes from Fastify`);
  // Fastify shows one node for params of different names at one position (`:id|:siteId`): compare shapes.
  const shape = (r: string) => r.replace(/:[^/]+/g, ':_');
  t.same(documented(doc).map(shape).sort(), routes.map(shape).sort());
});

t.test('operations say how to call them', async (t) => {
  for (const [path, ops] of Object.entries(doc.paths)) {
    const pathParams = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort();
    for (const [method, op] of Object.entries(ops)) {
      const declared = (op.parameters ?? [])
        .filter((p) => p.in === 'path')
        .map((p) => p.name)
        .sort();
      t.same(declared, pathParams, `${method.toUpperCase()} ${path}: path parameters declared`);
      if (method === 'put' || method === 'patch') t.ok(op.requestBody, `${method.toUpperCase()} ${path}: request body documented`);
    }
  }
  t.same(doc.paths['/auth/login']?.post?.security, [], 'login needs no token');
  t.equal(doc.paths['/me']?.get?.security, undefined, 'other operations use the global bearer scheme');
});
