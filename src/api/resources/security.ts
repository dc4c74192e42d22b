import { z } from 'zod';
import { ipAddressSchema } from '../../config/schema.js';
import { SecurityStore } from '../../store/security-store.js';
import type { Actor } from '../accounts/roles.js';
import { forbidden, notFound } from '../errors.js';
import type { ResourceModule } from '../server.js';

/**
 * Source addresses banned for password guessing (shared by all nodes):
 * listed, and lifted early, by operators only. A lifted ban stops applying on
 * every node within a second (each node reloads the bans that often).
 */

const banView = z.object({
  address: z.string(),
  reason: z.string(),
  count: z.number().int().describe('failed authentications from the address in the window when it was banned'),
  sipId: z.string().describe('the SIP-ID of the failure that tipped it over'),
  since: z.string().describe('ISO 8601'),
  until: z.string().describe('ISO 8601'),
});

function operatorOnly(actor: Actor): void {
  if (actor.role !== 'operator') throw forbidden('bans are managed by operators');
}

export const securityResources: ResourceModule = (api) => {
  const store = new SecurityStore(api.redis);

  api.define({
    method: 'GET',
    url: '/security/bans',
    tag: 'security',
    summary: 'Source addresses banned for password guessing, soonest to end first (operator)',
    response: z.array(banView),
    handler: async ({ actor }) => {
      operatorOnly(actor);
      return (await store.list(api.now())).map((b) => ({
        address: b.address,
        reason: b.reason,
        count: b.count,
        sipId: b.sipId,
        since: new Date(b.since).toISOString(),
        until: new Date(b.until).toISOString(),
      }));
    },
  });

  api.define({
    method: 'DELETE',
    url: '/security/bans/:address',
    tag: 'security',
    summary: "Lift a ban and forget the address's failures (operator)",
    params: z.object({ address: ipAddressSchema }),
    response: z.object({ address: z.string(), lifted: z.literal(true) }),
    handler: async ({ actor, params }) => {
      operatorOnly(actor);
      if (!(await store.unban(params.address))) throw notFound('ban');
      api.log.warn({ event: 'security.unbanned', address: params.address, by: actor.name }, 'ban lifted by an operator');
      return { address: params.address, lifted: true as const };
    },
  });
};
