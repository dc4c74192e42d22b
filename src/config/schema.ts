import { hostname } from 'node:os';
import { isIP } from 'node:net';
import { z } from 'zod';
import { hepSchema, monitoringSchema, webhooksSchema } from './schema-operations.js';
import { routingConfigSchema } from './schema-routing.js';

/**
 * The server's configuration. Every field has a built-in default, so a config
 * file (or `{}`) only needs the fields it changes. Objects are strict: an
 * unknown (misspelt) key is an error, not silently ignored.
 */

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export const intBetween = (min: number, max: number) =>
  z
    .number({ error: 'must be a number' })
    .int({ error: 'must be a whole number' })
    .min(min, { error: `must be between ${min} and ${max}` })
    .max(max, { error: `must be between ${min} and ${max}` });

export const portSchema = intBetween(1, 65535);

export const ipAddressSchema = z.string().refine((s) => isIP(s) !== 0, { error: 'must be an IPv4 or IPv6 address' });

/** A DNS name (or IP literal) as used in SIP URIs. */
export const hostSchema = z.string().regex(/^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/, {
  error: 'must be a domain name',
});

export const logLevelSchema = z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` });

export const redisUrlSchema = z.string().regex(/^(rediss?:\/\/|unix:|redis\+socket:\/\/|\/)/, {
  error: 'must be a redis://, rediss:// or unix: URL',
});

export const nonceSecretSchema = z.string().min(32, { error: 'must be at least 32 characters' });

export const realmSchema = z.string().min(1, { error: 'must not be empty' });

export const nodeIdSchema = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, { error: 'must be 1-64 characters of A-Z a-z 0-9 . _ -' });

/** Worker processes on this node: `auto` is one per core (os.availableParallelism()); 1 runs everything in one process. */
export const udpGatherSecondsSchema = intBetween(0, 3600);
export const udpSteeringSchema = z.enum(['dialog', 'source'], { error: 'must be dialog or source' });
export const workersSchema = z.union([z.literal('auto'), intBetween(1, 256)], { error: 'must be auto or a whole number from 1 to 256' });

const timeZoneSchema = z.string().refine(
  (tz) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  },
  { error: 'must be an IANA time zone such as Asia/Tokyo' },
);

/** `host`, `host:port` or `[v6]:port`. */
const advertisedHostSchema = z.string().regex(/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/, {
  error: 'must be host or host:port',
});

/** The port a listen entry without one takes: 5061 for SIP over TLS (RFC 3261 §26.2.2), 5060 for UDP and TCP, 8088/8089 for WS/WSS. */
export const LISTEN_DEFAULT_PORT = { udp: 5060, tcp: 5060, tls: 5061, ws: 8088, wss: 8089 } as const;

const listenSchema = z
  .strictObject({
    /**
     * tls: SIP over TLS (RFC 3261 §26); ws/wss: SIP over WebSocket (RFC 7118), for browser and sip.js
     * clients, wss over HTTPS. tls and wss present the certificate in sip.tls.
     */
    transport: z.enum(['udp', 'tcp', 'tls', 'ws', 'wss'], { error: 'must be udp, tcp, tls, ws or wss' }),
    address: ipAddressSchema,
    port: portSchema.optional(),
  })
  .transform((l) => ({ ...l, port: l.port ?? LISTEN_DEFAULT_PORT[l.transport] }));

export const DEFAULT_LISTEN: Array<z.input<typeof listenSchema>> = [
  { transport: 'udp', address: '0.0.0.0', port: 5060 },
  { transport: 'tcp', address: '0.0.0.0', port: 5060 },
];

/** The certificate and key of the tls and wss listeners (PEM files; checked at start by tls-files.ts). */
const tlsSchema = z.strictObject({
  certFile: z.string().min(1, { error: 'must be a file path' }),
  keyFile: z.string().min(1, { error: 'must be a file path' }),
  /** Outgoing TLS connections (to a client's Contact whose connection is gone): check the peer's certificate. */
  verifyPeer: z.boolean().default(true),
  /** More CA certificates (PEM) to trust for those, besides the system's: e.g. the CA of your phones' certificates. */
  caFile: z.string().min(1, { error: 'must be a file path' }).optional(),
});

const sipSchema = z
  .strictObject({
    domain: hostSchema.default('softswitch.test'),
    realm: realmSchema.optional(),
    listen: z.array(listenSchema).min(1, { error: 'must list at least one address' }).prefault(DEFAULT_LISTEN),
    advertisedHost: advertisedHostSchema.optional(),
    tls: tlsSchema.optional(),
  })
  .superRefine((sip, ctx) => {
    const seen = new Map<string, number>();
    sip.listen.forEach((l, i) => {
      // tcp, tls, ws and wss all take a TCP port: the same address and port cannot serve two of them.
      const key = `${l.transport === 'udp' ? 'udp' : 'tcp'} ${l.address}:${l.port}`;
      const first = seen.get(key);
      if (first !== undefined) {
        const other = sip.listen[first]!;
        const what = other.transport === l.transport ? 'duplicate of' : 'same TCP port as';
        ctx.addIssue({ code: 'custom', path: ['listen', i], message: `${what} sip.listen[${first}] (${other.transport} ${l.address}:${l.port})` });
      } else {
        seen.set(key, i);
      }
    });
    const secure = sip.listen.findIndex((l) => l.transport === 'tls' || l.transport === 'wss');
    if (secure >= 0 && !sip.tls) {
      ctx.addIssue({
        code: 'custom',
        path: ['tls'],
        message: `required by sip.listen[${secure}] (${sip.listen[secure]!.transport}): certFile and keyFile`,
      });
    }
  })
  .transform((sip) => ({ ...sip, realm: sip.realm ?? sip.domain }));

const registrarSchema = z
  .strictObject({
    minExpires: intBetween(1, 86400).default(60),
    maxExpires: intBetween(1, 604800).default(3600),
    defaultExpires: intBetween(1, 604800).default(3600),
    maxContacts: intBetween(1, 100).default(5),
  })
  .superRefine((r, ctx) => {
    if (r.minExpires > r.maxExpires) {
      ctx.addIssue({ code: 'custom', path: ['minExpires'], message: `must not exceed maxExpires (${r.maxExpires})` });
    } else if (r.defaultExpires < r.minExpires || r.defaultExpires > r.maxExpires) {
      ctx.addIssue({
        code: 'custom',
        path: ['defaultExpires'],
        message: `must be between minExpires (${r.minExpires}) and maxExpires (${r.maxExpires})`,
      });
    }
  });

/**
 * Node-local copies of store data read on every REGISTER (see src/store/line-cache.ts):
 * lines are dropped on every provisioning change any node announces; binding
 * sets are only a guess the compare-and-set checks.
 */
const cacheSchema = z.strictObject({
  /** Provisioned lines each node keeps a copy of (0: none; each REGISTER then reads its line). */
  lines: intBetween(0, 10_000_000).default(200_000),
  /** Numbers whose option subscriptions and line each node keeps a copy of (0: none; each call then reads them). */
  numbers: intBetween(0, 10_000_000).default(200_000),
  /** Source addresses whose trust (IP-authenticated line, interconnect peer) each node keeps, and as many that are nobody's (0: none; each request then reads them). */
  addresses: intBetween(0, 10_000_000).default(200_000),
  /** Seconds a line or subscription copy is used at most without a change heard (a safety net for a lost announcement). */
  lineTtl: intBetween(1, 3600).default(60),
  /** Lines whose bindings each node remembers (0: none; each REGISTER then reads them first). */
  bindings: intBetween(0, 10_000_000).default(200_000),
});

/** Digest algorithms offered, most preferred first (RFC 8760 §2.4). */
export const algorithmsSchema = z
  .array(z.enum(['SHA-256', 'MD5'], { error: 'must be SHA-256 or MD5' }))
  .min(1, { error: 'must list at least one algorithm' })
  .refine((a) => new Set(a).size === a.length, { error: 'must not repeat an algorithm' });

const authSchema = z.strictObject({
  nonceLifetime: intBetween(10, 86400).default(300),
  nonceSecret: nonceSecretSchema.optional(),
  // MD5 alone by default: common clients (baresip, sipsak, SIPp, sip.js) fail when any SHA-256
  // challenge is offered or when it comes first; operators whose equipment copes add SHA-256.
  algorithms: algorithmsSchema.default(['MD5']),
});

/**
 * Password-guessing bans (shared by all nodes). A source address with more
 * than maxFailures failed authentications in windowSeconds is banned for
 * banSeconds; a SIP-ID with more than sipIdMaxFailures (guessed from many
 * addresses) gets each source failing for it banned after targetedMaxFailures.
 */
const bansSchema = z
  .strictObject({
    maxFailures: intBetween(1, 100000).default(50),
    windowSeconds: intBetween(1, 86400).default(60),
    banSeconds: intBetween(1, 604800).default(900),
    sipIdMaxFailures: intBetween(1, 100000).default(50),
    targetedMaxFailures: intBetween(1, 100000).default(5),
    /** What a banned source gets: nothing at all (drop), or 403 Forbidden. */
    action: z.enum(['drop', '403'], { error: 'must be drop or 403' }).default('drop'),
  })
  .superRefine((b, ctx) => {
    if (b.targetedMaxFailures > b.maxFailures) {
      ctx.addIssue({ code: 'custom', path: ['targetedMaxFailures'], message: `must not exceed maxFailures (${b.maxFailures})` });
    }
  });

const redisSchema = z.strictObject({
  url: redisUrlSchema.optional(),
  /** Seed nodes of a Redis Cluster (redis:// URLs); when given, used instead of `url`. */
  cluster: z
    .array(z.string().regex(/^rediss?:\/\//, { error: 'must be a redis:// or rediss:// URL' }))
    .min(1, { error: 'must list at least one node' })
    .optional(),
  // `{` would start a hash tag and put every key in one slot (or split the store's key groups).
  keyPrefix: z
    .string()
    .max(64, { error: 'must be at most 64 characters' })
    .regex(/^[^{}]*$/, { error: 'must not contain { or }' })
    .default('ss:'),
  /** ms a command may take before the request it serves gets 503 (a stalled Redis is an outage). */
  commandTimeout: intBetween(50, 60_000).default(1000),
  embedded: z
    .strictObject({
      dataDir: z.string().min(1, { error: 'must not be empty' }).default('data/redis'),
    })
    .prefault({}),
});

/**
 * The management API. It runs only when operator credentials are given
 * (here or API_OPERATOR_PASSWORD), and listens on loopback unless told otherwise.
 */
const accountNameSchema = z.string().regex(/^[A-Za-z0-9._@-]{3,64}$/, { error: 'must be 3-64 characters of A-Z a-z 0-9 . _ @ -' });
const accountPasswordSchema = z
  .string()
  .min(8, { error: 'must be 8-40 characters with letters and digits' })
  .max(40, { error: 'must be 8-40 characters with letters and digits' })
  .regex(/[A-Za-z]/, { error: 'must contain letters and digits' })
  .regex(/\d/, { error: 'must contain letters and digits' });

const apiSchema = z.strictObject({
  address: ipAddressSchema.default('127.0.0.1'),
  port: portSchema.default(8080),
  /** Bearer token lifetime, seconds. */
  tokenTtl: intBetween(60, 86400).default(3600),
  /** The first operator account, created or updated at start; the password is stored only as a scrypt hash. */
  operator: z
    .strictObject({
      name: accountNameSchema.default('operator'),
      password: accountPasswordSchema,
    })
    .optional(),
  /** The customer portal (web pages on the API's address and port); off: only the JSON API. */
  portal: z.boolean().default(true),
  /** Customer accounts created at start when missing (examples, first administrators); never changed once they exist. */
  accounts: z
    .array(
      z.strictObject({
        name: accountNameSchema,
        password: accountPasswordSchema,
        role: z.enum(['voice-group-admin', 'site-admin', 'number-user']),
        voiceGroupId: z.string().optional(),
        siteId: z.string().optional(),
        number: z.string().optional(),
      }),
    )
    .default([]),
});

/**
 * The monitoring listener: /metrics (Prometheus), /healthz, /readyz. On by
 * default, on loopback: nothing it answers is secret, but it is for the
 * operator's scraper and load balancer, not the internet.
 */
const metricsSchema = z.strictObject({
  enabled: z.boolean({ error: 'must be true or false' }).default(true),
  address: ipAddressSchema.default('127.0.0.1'),
  port: portSchema.default(9464),
});

/** SIGTERM: readiness fails at once, new calls get 503, and calls in progress get this long to end. */
const shutdownSchema = z.strictObject({
  drainSeconds: intBetween(0, 3600).default(30),
});

/**
 * Load shedding (docs/operations.md "Overload"): as UDP datagrams wait
 * longer than `maxQueueDelay` before the node reads them, a share of new
 * INVITEs and REGISTERs is answered 503 with Retry-After.
 */
const overloadSchema = z.strictObject({
  /** The wait, ms, the node keeps datagrams under by refusing new work; 0: never refuse (and no probes are sent). */
  maxQueueDelay: intBetween(0, 10_000).default(200),
  /** Retry-After of those 503s, seconds. */
  retryAfter: intBetween(1, 3600).default(1),
});

/**
 * Session liveness of answered calls (RFC 4028 session timers, in-dialog
 * OPTIONS probes, a maximum duration): a call whose ends vanished is ended
 * and its channels freed within minutes.
 */
const callsSchema = z
  .strictObject({
    /** Session-Expires asked of callers that support timers, when theirs is missing or larger (seconds, RFC 4028 §8.1). */
    sessionExpires: intBetween(90, 86_400).default(1800),
    /** Min-SE: never ask for less (RFC 4028 §4: at least 90). */
    minSessionExpires: intBetween(90, 86_400).default(90),
    /** Seconds between in-dialog OPTIONS to both ends of a call without a session timer; 0: no probes. */
    probeInterval: intBetween(0, 86_400).default(60),
    /** Probes in a row one end leaves unanswered before the call is ended ("peer gone"). */
    probeFailures: intBetween(1, 100).default(2),
    /** The longest call, seconds; then both ends get a BYE. */
    maxDuration: intBetween(60, 7 * 86_400).default(43_200),
  })
  .refine((c) => c.sessionExpires >= c.minSessionExpires, { error: 'sessionExpires must not be below minSessionExpires', path: ['sessionExpires'] });

/** Call detail records (docs/operations.md "Call detail records"). */
const cdrSchema = z.strictObject({
  /** Off: no records are written (the API and CLI still read what is kept). */
  enabled: z.boolean({ error: 'must be true or false' }).default(true),
  /** Days a record is kept; older ones are trimmed. */
  retentionDays: intBetween(1, 3650).default(90),
  /** Seconds after which a call whose node stopped refreshing it is closed by another node as "node lost". */
  nodeLostAfter: intBetween(3, 3600).default(90),
});

/**
 * The announcement server (RFC 4240 media server). When `server` is set, calls
 * refused by nuisance blocking, anonymous rejection, the international bar or
 * the outgoing restriction are sent to `sip:{user}@{server};play={url}` and
 * answered there; without it those calls keep their status codes. The URI is
 * built from this configuration only, never from the request.
 */
/** An absolute URL of the prompt to play (http, https or file), no spaces, quotes or angle brackets. */
const playUrlSchema = z
  .string()
  .max(512, { error: 'must be at most 512 characters' })
  .regex(/^(https?|file):\/\/[^\s<>"\\]+$/i, { error: 'must be an http://, https:// or file:// URL without spaces' });

const announcementsSchema = z.strictObject({
  /** The media server's address and port; absent: no announcements. */
  server: z.strictObject({ address: ipAddressSchema, port: portSchema.default(5060) }).optional(),
  transport: z.enum(['udp', 'tcp'], { error: 'must be udp or tcp' }).default('udp'),
  /** The Request-URI user part RFC 4240 names for the announcement service. */
  user: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,32}$/, { error: 'must be 1-32 characters of A-Z a-z 0-9 . _ -' })
    .default('annc'),
  /** The prompt per reason (the refusals of src/features that may be announced: AnnouncementReason). */
  play: z
    .strictObject({
      nuisance: playUrlSchema.default('file:///var/lib/softswitch/announcements/call-declined.wav'),
      anonymous: playUrlSchema.default('file:///var/lib/softswitch/announcements/anonymous-rejected.wav'),
      internationalBar: playUrlSchema.default('file:///var/lib/softswitch/announcements/international-barred.wav'),
      outgoingRestriction: playUrlSchema.default('file:///var/lib/softswitch/announcements/outgoing-restricted.wav'),
    })
    .prefault({}),
});

export const configSchema = z.strictObject({
  nodeId: nodeIdSchema.default(() => `${hostname()}-${process.pid}`.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 64)),
  timeZone: timeZoneSchema.default('Asia/Tokyo'),
  workers: workersSchema.default('auto'),
  udpSteering: udpSteeringSchema.default('dialog'),
  udpGatherSeconds: udpGatherSecondsSchema.default(0),
  sip: sipSchema.prefault({}),
  registrar: registrarSchema.prefault({}),
  cache: cacheSchema.prefault({}),
  auth: authSchema.prefault({}),
  security: z.strictObject({ bans: bansSchema.prefault({}) }).prefault({}),
  redis: redisSchema.prefault({}),
  provisioning: z
    .strictObject({
      file: z.string().min(1, { error: 'must not be empty' }).default('config/example-provisioning.yaml'),
      /** Accept loopback (127.0.0.0/8, ::1) as trusted addresses of IP lines and peers: test rigs only. */
      allowLoopbackAddresses: z.boolean({ error: 'must be true or false' }).default(false),
    })
    .prefault({}),
  log: z
    .strictObject({
      level: logLevelSchema.default('info'),
      /** Seconds over which repeats of an event from one source are counted into one `log.suppressed` line. */
      summaryInterval: intBetween(1, 3600).default(10),
    })
    .prefault({}),
  api: apiSchema.prefault({}),
  metrics: metricsSchema.prefault({}),
  shutdown: shutdownSchema.prefault({}),
  overload: overloadSchema.prefault({}),
  calls: callsSchema.prefault({}),
  cdr: cdrSchema.prefault({}),
  routing: routingConfigSchema.prefault({}),
  monitoring: monitoringSchema.prefault({}),
  webhooks: webhooksSchema.prefault({}),
  hep: hepSchema.prefault({}),
  announcements: announcementsSchema.prefault({}),
});

export type Config = z.infer<typeof configSchema>;
export type ListenAddress = Config['sip']['listen'][number];

/** `a.b[0].c` from a zod issue path. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? String(p) : `.${String(p)}`;
  }
  return out;
}

/** One line per problem, each naming its field: `sip.listen[0].port: must be between 1 and 65535`. */
export function formatIssues(issues: ReadonlyArray<z.core.$ZodIssue>, prefix: ReadonlyArray<PropertyKey> = []): string[] {
  const out: string[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push(`${formatPath([...path, key])}: unknown field`);
      continue;
    }
    const where = formatPath(path) || '(top level)';
    const message = issue.code === 'invalid_type' && issue.input === undefined ? 'is required' : issue.message;
    out.push(`${where}: ${message}`);
  }
  return out;
}
