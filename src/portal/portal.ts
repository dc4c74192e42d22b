import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config/schema.js';
import type { Log } from '../log.js';
import { CSRF_MESSAGE, isForgeable, PORTAL_HEADER, sessionCookie } from '../api/session-cookie.js';
import { loadAssets, type Asset } from './assets.js';

/**
 * The customer portal, served by the management API's own Fastify app: the
 * pages (static HTML/CSS and browser modules that call the JSON API), and a
 * cookie login/logout around POST /auth/login so the token stays in an
 * HttpOnly, SameSite=Strict cookie that page scripts cannot read.
 */
export const PORTAL_PATH = '/portal/';

/** Every response: no framing, no sniffing, no referrer, and a CSP with no inline script or style. */
export const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
};

export interface PortalOptions {
  config: Config;
  log: Log;
  assets?: Map<string, Asset>;
}

export function registerPortal(app: FastifyInstance, options: PortalOptions): void {
  const { config, log } = options;
  const assets = options.assets ?? loadAssets();
  if (!assets.has('index.html') || !assets.has('app.js')) {
    log.warn({ event: 'portal.assets_missing' }, 'customer portal files not found: run the build (node scripts/setup.mjs)');
  }
  const ttl = config.api.tokenTtl;

  // A cookie-authenticated write without the portal header is what a forged cross-site request looks like.
  app.addHook('onRequest', async (req, reply) => {
    if (!isForgeable(req)) return;
    log.warn(
      { event: 'security.csrf_refused', method: req.method, url: req.url, address: req.ip, reason: 'session cookie on a write without the portal header' },
      'portal request refused',
    );
    return reply.status(403).send({ error: 'forbidden', message: CSRF_MESSAGE });
  });

  app.addHook('onSend', async (_req, reply, payload) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) reply.header(name, value);
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    return payload;
  });

  const serve = (name: string) => async (req: FastifyRequest, reply: FastifyReply) => {
    const asset = assets.get(name);
    if (!asset) return reply.status(404).send({ error: 'not_found', message: 'not found' });
    // Revalidated on every load, so a new build is picked up at once.
    reply.header('cache-control', 'no-cache').header('etag', asset.etag);
    if (req.headers['if-none-match'] === asset.etag) return reply.status(304).send();
    return reply.type(asset.type).send(asset.body);
  };

  app.get('/', async (_req, reply) => reply.redirect(PORTAL_PATH));
  app.get('/portal', async (_req, reply) => reply.redirect(PORTAL_PATH));
  app.get(PORTAL_PATH, serve('index.html'));
  app.get<{ Params: { file: string } }>(`${PORTAL_PATH}assets/:file`, async (req, reply) => {
    const name = req.params.file;
    if (name === 'index.html') return reply.status(404).send({ error: 'not_found', message: 'not found' });
    return serve(name)(req, reply);
  });
  app.get(`${PORTAL_PATH}settings.json`, async () => ({ timeZone: config.timeZone }));

  const requirePortalHeader = (req: FastifyRequest, reply: FastifyReply): boolean => {
    if (req.headers[PORTAL_HEADER] === '1') return true;
    log.warn(
      { event: 'security.csrf_refused', method: req.method, url: req.url, address: req.ip, reason: 'portal login/logout without the portal header' },
      'portal request refused',
    );
    void reply.status(403).send({ error: 'forbidden', message: 'send the X-Portal-Request header' });
    return false;
  };

  app.post(`${PORTAL_PATH}login`, async (req, reply) => {
    if (!requirePortalHeader(req, reply)) return reply;
    // The API's own login (validation, lockout, logging): the portal only moves the token into the cookie.
    const res = await app.inject({ method: 'POST', url: '/auth/login', payload: req.body as object, remoteAddress: req.ip });
    const body = res.json<{ token?: string; expiresAt?: string; account?: unknown }>();
    if (res.statusCode !== 200 || !body.token) return reply.status(res.statusCode).send(body);
    reply.header('set-cookie', sessionCookie(body.token, ttl, req.protocol === 'https'));
    return { account: body.account, expiresAt: body.expiresAt };
  });

  app.post(`${PORTAL_PATH}logout`, async (req, reply) => {
    if (!requirePortalHeader(req, reply)) return reply;
    reply.header('set-cookie', sessionCookie('', 0, req.protocol === 'https'));
    return reply.status(204).send();
  });
}
