import type { FastifyRequest } from 'fastify';
import { forbidden } from './errors.js';

/**
 * The portal's session: the same bearer token as the API's, carried in an
 * HttpOnly, SameSite=Strict cookie so page scripts never see it. A request
 * with the cookie that changes something must also carry PORTAL_HEADER: a
 * cross-site form cannot set a custom header, and no CORS is offered, so a
 * forged request is refused (CSRF).
 */
export const SESSION_COOKIE = 'ss_session';
export const PORTAL_HEADER = 'x-portal-request';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The value of one cookie in a Cookie header, or undefined. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim() || undefined;
  }
  return undefined;
}

/**
 * The credential to verify: the Authorization header when given (curl, CLI),
 * else the session cookie as a bearer token. Throws 403 for a write with the
 * cookie but without the portal header.
 */
export function credentialOf(req: FastifyRequest): string | undefined {
  if (req.headers.authorization !== undefined) return req.headers.authorization;
  const token = cookieValue(req.headers.cookie, SESSION_COOKIE);
  if (token === undefined) return undefined;
  if (isForgeable(req)) throw forbidden(CSRF_MESSAGE);
  return `Bearer ${token}`;
}

export const CSRF_MESSAGE = 'a write with the session cookie needs the X-Portal-Request header';

/** A cookie-authenticated write without the portal header: what a cross-site form could send. */
export function isForgeable(req: FastifyRequest): boolean {
  return (
    req.headers.authorization === undefined &&
    cookieValue(req.headers.cookie, SESSION_COOKIE) !== undefined &&
    !SAFE_METHODS.has(req.method) &&
    req.headers[PORTAL_HEADER] !== '1'
  );
}

/** Set-Cookie for a new session (or, with maxAge 0, its removal). */
export function sessionCookie(token: string, maxAgeSeconds: number, secure: boolean): string {
  return `${SESSION_COOKIE}=${token}; Path=/; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
}
