import type { Redis } from 'ioredis';
import { z } from 'zod';
import { RouteStore } from '../../store/route-store.js';
import { allowed, type Actor } from '../accounts/roles.js';
import { checkIfMatch, etagOf } from '../etag.js';
import type { ResourceModule } from '../server.js';
import { refusal } from '../scope.js';
import { applyChange } from './provisioning-change.js';

/**
 * Interconnect peers, outbound routes and the emergency routes per area
 * (docs/product.md §1, §5): operators only. PUT replaces each section it
 * gives, whole (a routing table is edited as a table); a section left out is
 * kept; `emergencyRoutes: []` removes them (the former single
 * `emergencyRoute` is still accepted: one route for every area; null removes). Always needs If-Match (the routing
 * table always exists). Calls read it per call (RouteStore), so a change
 * takes effect on the next call on every node.
 */

const transport = z.enum(['udp', 'tcp']).optional().describe('absent for a DNS name without port: NAPTR/SRV decide (RFC 3263)');
const peer = z.object({
  name: z.string(),
  addresses: z.array(z.string()),
  hosts: z.array(z.string()).optional().describe('DNS names whose addresses are trusted'),
});
const rank = z.number().int().optional();
const route = z.object({
  name: z.string(),
  prefix: z.string().describe('digits the destination starts with; "" matches every destination; several routes may share one'),
  target: z.string().describe('host[:port]: an address, or a DNS name located by RFC 3263'),
  transport,
  priority: rank.describe('among the routes of one prefix: lowest first (default 1)'),
  weight: rank.describe('among the routes of one prefix and priority: share of the calls (RFC 2782)'),
});
const emergency = z.object({
  name: z.string(),
  areaCodes: z.array(z.string()).describe('area codes with the leading 0 ("03", "011"); the longest one the caller\'s number starts with chooses the route'),
  target: z.string().describe('host[:port]'),
  transport,
});

const voicemail = z.object({ name: z.string(), target: z.string().describe('host[:port] of the voice-mail platform'), transport });

const routingView = z.object({ peers: z.array(peer), outboundRoutes: z.array(route), emergencyRoutes: z.array(emergency), voicemail: voicemail.nullable() });
type RoutingView = z.infer<typeof routingView>;

const routingBody = z.strictObject({
  peers: z.array(z.strictObject({ name: z.string(), addresses: z.array(z.string()).optional(), hosts: z.array(z.string()).optional() })).optional(),
  outboundRoutes: z
    .array(z.strictObject({ name: z.string(), prefix: z.string(), target: z.string(), transport: transport.optional(), priority: rank, weight: rank }))
    .optional(),
  emergencyRoutes: z
    .array(z.strictObject({ name: z.string(), areaCodes: z.array(z.string()), target: z.string(), transport: transport.optional() }))
    .optional(),
  emergencyRoute: z
    .strictObject({ name: z.string(), target: z.string(), transport: transport.optional() })
    .nullable()
    .optional()
    .describe('former single emergency route: serves every area'),
  voicemail: z
    .strictObject({ name: z.string(), target: z.string(), transport: transport.optional() })
    .nullable()
    .optional()
    .describe('the voice-mail platform forwards to "voicemail" go to; null removes it'),
});

async function readRouting(redis: Redis): Promise<RoutingView> {
  const { peers, outbound: routes, emergency: e, voicemail: v } = await new RouteStore(redis).stored();
  return {
    peers,
    outboundRoutes: routes.map((r) => ({ name: r.name, prefix: r.prefix, target: r.target, ...optional(r, 'transport', 'priority', 'weight') })),
    emergencyRoutes: e.map((r) => ({ name: r.name, areaCodes: r.areaCodes, target: r.target, ...optional(r, 'transport') })),
    voicemail: v ? { name: v.name, target: v.target, ...optional(v, 'transport') } : null,
  };
}

/** The fields of `o` that are set (a view leaves an unset one out rather than writing null). */
function optional<T extends object, K extends keyof T>(o: T, ...names: K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const name of names) if (o[name] !== undefined) out[name] = o[name];
  return out;
}

function operatorOnly(actor: Actor): void {
  if (!allowed(actor, 'routing', {})) throw refusal('routing');
}

export const routingResources: ResourceModule = (api) => {
  api.define({
    method: 'GET',
    url: '/routing',
    tag: 'routing',
    summary: 'Peers, outbound routes and the emergency routes per area (operator; ETag for PUT)',
    response: routingView,
    handler: async ({ actor }, reply) => {
      operatorOnly(actor);
      const view = await readRouting(api.redis);
      reply.header('ETag', etagOf(view));
      return view;
    },
  });

  api.define({
    method: 'PUT',
    url: '/routing',
    tag: 'routing',
    summary: 'Replace the sections given (peers, outboundRoutes, emergencyRoutes, voicemail) (operator; If-Match)',
    body: routingBody,
    response: routingView,
    handler: async ({ actor, body, ifMatch }, reply) => {
      operatorOnly(actor);
      const { before, after } = await api.writer.run(async (r) => {
        const before = await readRouting(r);
        checkIfMatch(ifMatch, before);
        await applyChange(api, r, { routing: body }, 'routing', 'routing');
        return { before, after: await readRouting(r) };
      });
      await api.history.record(actor, { target: { kind: 'routing', id: 'routing' }, action: 'routing.put', before, after });
      reply.header('ETag', etagOf(after));
      return after;
    },
  });
};
