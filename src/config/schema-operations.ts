import { isIP } from 'node:net';
import { z } from 'zod';

/**
 * Settings of the operations side that watches trunks and the wire: OPTIONS
 * monitoring of peers, IP trunks and route targets; trunk-state webhooks;
 * HEPv3 capture. Every one is off by default.
 */

/** Seconds, fractions allowed (test rigs use sub-second intervals). */
const secondsBetween = (min: number, max: number) =>
  z
    .number({ error: 'must be a number' })
    .min(min, { error: `must be between ${min} and ${max}` })
    .max(max, { error: `must be between ${min} and ${max}` });

const countBetween = (min: number, max: number) =>
  z
    .number({ error: 'must be a number' })
    .int({ error: 'must be a whole number' })
    .min(min, { error: `must be between ${min} and ${max}` })
    .max(max, { error: `must be between ${min} and ${max}` });

/** OPTIONS pings to interconnect peers, IP-authenticated trunks and outbound-route targets. */
export const monitoringSchema = z
  .strictObject({
    enabled: z.boolean({ error: 'must be true or false' }).default(false),
    /** Seconds between two OPTIONS to one target (one node pings each target per interval). */
    interval: secondsBetween(0.2, 3600).default(30),
    /** Seconds to wait for a final response; none by then counts as a failure. */
    timeout: secondsBetween(0.1, 32).default(5),
    /** Failures in a row that mark an up target down. */
    downAfter: countBetween(1, 100).default(3),
    /** Answers in a row that mark a down target up again. */
    upAfter: countBetween(1, 100).default(2),
    /** Which targets are pinged. */
    peers: z.boolean({ error: 'must be true or false' }).default(true),
    ipTrunks: z.boolean({ error: 'must be true or false' }).default(true),
    routes: z.boolean({ error: 'must be true or false' }).default(true),
  })
  .superRefine((m, ctx) => {
    if (m.timeout >= m.interval) ctx.addIssue({ code: 'custom', path: ['timeout'], message: `must be shorter than interval (${m.interval})` });
  });

/** Trunk and peer state changes POSTed as JSON to one URL, retried with back-off, never on the SIP path. */
export const webhooksSchema = z
  .strictObject({
    url: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).optional(),
    /** Signs each body: `X-Softswitch-Signature: sha256=<hex HMAC-SHA256(secret, body)>`. */
    secret: z.string().min(16, { error: 'must be at least 16 characters' }).optional(),
    /** Seconds one POST may take. */
    timeout: secondsBetween(0.1, 60).default(5),
    /** Deliveries waiting at most; when full the oldest is dropped (and counted in the log). */
    queueSize: countBetween(1, 100_000).default(1000),
    /** Attempts per delivery, the first included. */
    maxAttempts: countBetween(1, 100).default(8),
    /** Seconds before the first retry; doubled after each failure, up to retryMax. */
    retryBase: secondsBetween(0.05, 3600).default(1),
    retryMax: secondsBetween(0.05, 86400).default(300),
  })
  .superRefine((w, ctx) => {
    if (w.retryBase > w.retryMax) ctx.addIssue({ code: 'custom', path: ['retryBase'], message: `must not exceed retryMax (${w.retryMax})` });
  });

/** HEPv3 export of every SIP message sent and received, to a Homer capture server over UDP. */
export const hepSchema = z.strictObject({
  /** Capture server address; absent: no capture. */
  address: z
    .string()
    .refine((s) => isIP(s) !== 0, { error: 'must be an IPv4 or IPv6 address' })
    .optional(),
  port: countBetween(1, 65535).default(9060),
  /** Capture agent id (HEP chunk 0x000c), to tell nodes apart in Homer. */
  captureId: countBetween(0, 4294967295).default(2001),
  /** Sent as the authentication-key chunk (0x000e) when the capture server asks for one. */
  password: z.string().min(1, { error: 'must not be empty' }).optional(),
});
