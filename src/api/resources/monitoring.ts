import { z } from 'zod';
import { readTargetStatus } from '../../monitoring/target-status.js';
import { LineStore } from '../../store/line-store.js';
import { RouteStore } from '../../store/route-store.js';
import { TargetHealthStore } from '../../store/target-health-store.js';
import { forbidden } from '../errors.js';
import type { ResourceModule } from '../server.js';

/**
 * The peers, IP trunks and route targets watched with OPTIONS, and their
 * state as every node sees it (operator: peers and routes are contract items).
 */
const targetView = z.object({
  target: z.string().describe('"UDP 192.0.2.7:5060"'),
  transport: z.string(),
  address: z.string(),
  port: z.number().int(),
  subjects: z.array(z.object({ kind: z.enum(['peer', 'trunk', 'route']), name: z.string() })),
  state: z.enum(['up', 'down', 'unknown']).describe('unknown: not pinged yet (routing treats it as up)'),
  failures: z.number().int().describe('failed pings in a row'),
  successes: z.number().int().describe('answered pings in a row'),
  since: z.string().optional().describe('ISO 8601: in this state since'),
  lastPing: z.string().optional().describe('ISO 8601'),
  lastStatus: z.number().int().optional().describe('final status of the last ping'),
  lastError: z.string().optional().describe('why the last ping failed'),
});

export const monitoringResources: ResourceModule = (api) => {
  const stores = { routes: new RouteStore(api.redis), lines: new LineStore(api.redis), health: new TargetHealthStore(api.redis) };

  api.define({
    method: 'GET',
    url: '/monitoring/targets',
    tag: 'monitoring',
    summary: 'Peers, IP trunks and route targets watched with OPTIONS, up or down (operator)',
    response: z.object({ enabled: z.boolean(), targets: z.array(targetView) }),
    handler: async ({ actor }) => {
      if (actor.role !== 'operator') throw forbidden('peer and trunk monitoring is for operators');
      const { enabled, peers, ipTrunks, routes } = api.config.monitoring;
      return { enabled, targets: await readTargetStatus(stores, { peers, ipTrunks, routes }) };
    },
  });
};
