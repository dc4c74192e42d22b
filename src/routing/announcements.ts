import type { Config } from '../config/schema.js';
import type { AnnouncementReason } from '../features/call-context.js';
import type { RelayTarget } from '../proxy/proxy-core.js';

/**
 * Announcements instead of bare status codes (docs/product.md §4.7, RFC 4240).
 * Pure: the target a refused call is sent to, built from the configuration
 * alone. Nothing of the request (Request-URI, headers, body) goes into it, so
 * the announcement path cannot be steered to relay a call anywhere else.
 */

export type AnnouncementSettings = Config['announcements'];

/**
 * A URI parameter value escaped as RFC 3261 §25.1 `paramchar` allows: the
 * unreserved and param-unreserved characters stay, everything else (`;`, `=`,
 * `?`, `@`, `%`, `#`, `,`, non-ASCII, ...) is percent-encoded, so the play
 * URL cannot end the parameter or add another one.
 */
export function escapeUriParam(value: string): string {
  return [...Buffer.from(value, 'utf8')]
    .map((byte) => {
      const c = String.fromCharCode(byte);
      return /[A-Za-z0-9\-_.!~*'()[\]/:&+$]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    })
    .join('');
}

/** `sip:annc@192.0.2.10:5060;play=<escaped url>` for the reason, or undefined when no server is configured. */
export function announcementTarget(settings: AnnouncementSettings, reason: AnnouncementReason): RelayTarget | undefined {
  const server = settings.server;
  if (!server) return undefined;
  const host = server.address.includes(':') ? `[${server.address}]` : server.address;
  const transport = settings.transport === 'tcp' ? ';transport=tcp' : '';
  return {
    uri: `sip:${settings.user}@${host}:${server.port}${transport};play=${escapeUriParam(settings.play[reason])}`,
    destination: { transport: settings.transport === 'tcp' ? 'TCP' : 'UDP', address: server.address, port: server.port },
    label: `announcement ${reason}`,
  };
}
