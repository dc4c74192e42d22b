import { z } from 'zod';
import { BindingStore } from '../../store/binding-store.js';
import { remainingSeconds, type Binding } from '../../registrar/binding.js';
import { readLineStatus, RegistrationStatusStore } from '../../store/registration-status.js';
import { ChannelStore } from '../../store/channel-store.js';
import { LineStore } from '../../store/line-store.js';
import { notFound } from '../errors.js';
import type { ResourceModule } from '../server.js';
import { lineView, readLine } from './organisation-views.js';

/**
 * What an operator reads about lines (docs/product.md §3, §6): registration status with
 * the latest error, live bindings, channels in use, and a site's lines with
 * their status. Reads only; any role that may see the line (number users do
 * not see lines).
 */

const latestError = z.object({ at: z.string().describe('ISO 8601 in the service time zone'), text: z.string() });
const registration = z.enum(['registered', 'not registered', 'not applicable']);

const lineStatusView = z.object({
  sipId: z.string(),
  status: registration,
  /** Live bindings (contacts) now. */
  contacts: z.number().int(),
  latestError: latestError.optional(),
});

const bindingView = z.object({
  contact: z.string(),
  expiresIn: z.number().int().describe('seconds'),
  q: z.number().optional(),
  source: z.object({ transport: z.string(), address: z.string(), port: z.number().int() }),
  userAgent: z.string().optional(),
  registeredAt: z.string().describe('ISO 8601'),
});

const sipIdParam = z.object({ sipId: z.string() });

export const statusResources: ResourceModule = (api) => {
  const lines = new LineStore(api.redis);
  const stores = { lines, bindings: new BindingStore(api.redis), status: new RegistrationStatusStore(api.redis, api.config.timeZone) };
  const channels = new ChannelStore(api.redis);

  const status = async (sipId: string) => {
    // Bindings carry real expiry times (the registrar's clock), so liveness is judged by real time.
    const s = await readLineStatus(sipId, stores, Date.now());
    if (!s) return null;
    return { sipId, status: s.status, contacts: s.bindings.length, ...(s.latestError ? { latestError: s.latestError } : {}) };
  };

  api.define({
    method: 'GET',
    url: '/sites/:id/lines',
    tag: 'status',
    summary: "A site's lines, each with its registration status and latest error",
    params: z.object({ id: z.string() }),
    response: z.array(lineView.extend({ registration: lineStatusView.omit({ sipId: true }) })),
    handler: async ({ actor, params }) => {
      await api.scopes.authorize(actor, 'read', 'site', await api.scopes.ofSite(params.id));
      const rows = await Promise.all(
        (await lines.listBySite(params.id)).map(async (sipId) => {
          const [line, s] = await Promise.all([readLine(api.redis, sipId), status(sipId)]);
          if (!line || !s || line.siteId !== params.id) return null;
          const { sipId: _, ...registration } = s;
          return { ...line, registration };
        }),
      );
      return rows.filter((r) => r !== null);
    },
  });

  api.define({
    method: 'GET',
    url: '/lines/:sipId/status',
    tag: 'status',
    summary: 'Registration status (registered / not registered / not applicable) and latest error',
    params: sipIdParam,
    response: lineStatusView,
    handler: async ({ actor, params }) => {
      await api.scopes.authorize(actor, 'read', 'line', await api.scopes.ofLine(params.sipId));
      const s = await status(params.sipId);
      if (!s) throw notFound('line');
      return s;
    },
  });

  api.define({
    method: 'GET',
    url: '/lines/:sipId/bindings',
    tag: 'status',
    summary: 'Live bindings: contact, seconds to expiry, source, user agent',
    params: sipIdParam,
    response: z.array(bindingView),
    handler: async ({ actor, params }) => {
      await api.scopes.authorize(actor, 'read', 'line', await api.scopes.ofLine(params.sipId));
      const now = Date.now();
      return (await stores.bindings.live(params.sipId, now)).map((b) => toBindingView(b, now));
    },
  });

  api.define({
    method: 'GET',
    url: '/lines/:sipId/channels',
    tag: 'status',
    summary: 'Channel count and channels in use now (all nodes)',
    params: sipIdParam,
    response: z.object({ channels: z.number().int(), inUse: z.number().int() }),
    handler: async ({ actor, params }) => {
      await api.scopes.authorize(actor, 'read', 'line', await api.scopes.ofLine(params.sipId));
      const [line, inUse] = await Promise.all([lines.get(params.sipId), channels.inUse(params.sipId)]);
      if (!line) throw notFound('line');
      return { channels: line.channels, inUse };
    },
  });
};

function toBindingView(b: Binding, now: number): z.infer<typeof bindingView> {
  return {
    contact: b.uri,
    expiresIn: remainingSeconds(b, now),
    ...(b.q !== undefined ? { q: b.q } : {}),
    source: { transport: b.source.transport, address: b.source.address, port: b.source.port },
    ...(b.userAgent !== undefined ? { userAgent: b.userAgent } : {}),
    registeredAt: new Date(b.registeredAt).toISOString(),
  };
}
