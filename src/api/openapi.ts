import { z } from 'zod';
import type { AnyRoute } from './route.js';

/**
 * The OpenAPI 3.1 document, generated from the same zod schemas that
 * validate requests (zod emits JSON Schema 2020-12, which OpenAPI 3.1 uses).
 */
export function buildOpenApi(routes: readonly AnyRoute[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const path = route.url.replace(/:([A-Za-z]+)/g, '{$1}');
    const parameters = [
      ...objectParams(route.params, 'path'),
      ...objectParams(route.query, 'query'),
    ];
    const operation: Record<string, unknown> = {
      summary: route.summary,
      tags: [route.tag],
      operationId: `${route.method.toLowerCase()}${path.replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      ...(parameters.length ? { parameters } : {}),
      ...(route.body ? {
        requestBody: {
          required: true,
          content: route.rawBody ? { [route.rawBody]: { schema: { type: 'string' } } } : { 'application/json': { schema: schemaOf(route.body) } },
        },
      } : {}),
      responses: {
        [String(route.status ?? 200)]: {
          description: 'OK',
          content: route.rawResponse ? { [route.rawResponse]: { schema: { type: 'string' } } } : { 'application/json': { schema: schemaOf(route.response) } },
        },
        default: { description: 'Error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
      },
      ...(route.auth === false ? { security: [] } : {}),
    };
    (paths[path] ??= {})[route.method.toLowerCase()] = operation;
  }
  return {
    openapi: '3.1.0',
    info: { title: 'softswitch management API', version },
    security: [{ bearer: [] }],
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: {
        Error: {
          type: 'object',
          required: ['error', 'message'],
          properties: { error: { type: 'string' }, message: { type: 'string' }, issues: { type: 'array', items: { type: 'string' } } },
        },
      },
    },
  };
}

function schemaOf(schema: z.ZodType): Record<string, unknown> {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  delete json.$schema;
  return json;
}

function objectParams(schema: z.ZodType | undefined, where: 'path' | 'query'): Array<Record<string, unknown>> {
  if (!schema) return [];
  const json = schemaOf(schema) as { properties?: Record<string, unknown>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, s]) => ({
    name, in: where, required: where === 'path' || (json.required ?? []).includes(name), schema: s,
  }));
}
