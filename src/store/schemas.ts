import { z } from 'zod';
import type { Binding } from '../registrar/binding.js';
import type { Log } from '../log.js';

/**
 * Stored values are checked where they are read back: a value that does not
 * match its schema is treated as absent (a damaged record must not break a
 * call) and reported once per kind, never cast into a domain type.
 */
let damageLog: Pick<Log, 'warn'> | undefined;
const reported = new Set<string>();

/** Where damaged values are reported (the app's logger). */
export function reportDamagedValuesTo(log: Pick<Log, 'warn'>): void {
  damageLog = log;
}

export function parseStored<T>(schema: z.ZodType<T>, json: string | null | undefined, what: string): T | null {
  if (json === null || json === undefined) return null;
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    damaged(what, 'not JSON');
    return null;
  }
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  damaged(what, parsed.error.issues[0]?.path.join('.') || 'shape');
  return null;
}

function damaged(what: string, where: string): void {
  if (reported.has(what)) return;
  reported.add(what);
  damageLog?.warn({ event: 'store.damaged', what, where }, 'a stored value is damaged; treated as absent');
}

export const bindingSchema = z.object({
  key: z.string(),
  uri: z.string(),
  q: z.number().optional(),
  expiresAt: z.number(),
  callId: z.string(),
  cseq: z.number(),
  path: z.array(z.string()),
  source: z.object({
    transport: z.enum(['UDP', 'TCP', 'WS']),
    address: z.string(),
    port: z.number(),
    node: z.string(),
    connectionId: z.string().optional(),
  }),
  instance: z.string().optional(),
  regId: z.string().optional(),
  userAgent: z.string().optional(),
  registeredAt: z.number(),
}).loose();

export function parseBinding(json: string): Binding | null {
  return parseStored(bindingSchema, json, 'binding') as Binding | null;
}
