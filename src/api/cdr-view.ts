import { z } from 'zod';
import type { CallParty, StoredCallRecord } from '../store/cdr-store.js';
import { allowed, type Actor } from './accounts/roles.js';

/**
 * What an account may read of a call detail record (docs/operations.md
 * "Call detail records"). An operator reads everything. A customer reads a
 * record only when one of the call's parties is in its scope, and then only
 * its own side of it:
 *
 * - the calling number: the real one only to the caller's own customer;
 *   everyone else gets what the called party was shown (nothing when the
 *   number was withheld, the specific number when that was presented);
 * - decisions made by its own numbers' settings, forwards from or to its
 *   own numbers, the delivered line when it is its own, and its own parties;
 * - never names of peers and routes (the carrier's), nodes, or the caller's
 *   address.
 */

const endpointView = z.object({ kind: z.string(), name: z.string().optional(), number: z.string().optional() });

export const callRecordView = z.object({
  id: z.string(),
  callId: z.string(),
  startedAt: z.string(),
  answeredAt: z.string().optional(),
  endedAt: z.string(),
  durationSeconds: z.number(),
  callingNumber: z.string().optional(),
  presentedNumber: z.string().optional(),
  presentation: z.string(),
  calledNumber: z.string(),
  origin: endpointView,
  delivered: endpointView.optional(),
  status: z.number(),
  outcome: z.string(),
  endedBy: z.string(),
  endReason: z.string(),
  forwards: z.array(z.object({ from: z.string(), to: z.string(), reason: z.string() })),
  decisions: z.array(z.record(z.string(), z.unknown())),
  parties: z.array(z.object({ role: z.string(), number: z.string().optional(), sipId: z.string().optional(), siteId: z.string(), voiceGroupId: z.string() })),
  node: z.string().optional(),
  closedBy: z.string().optional(),
  callerSource: z.string().optional(),
});
export type CallRecordView = z.infer<typeof callRecordView>;

/** The record's parties the actor may read. */
export function ownParties(actor: Actor, record: StoredCallRecord): CallParty[] {
  return record.parties.filter((p) => allowed(actor, 'read', p));
}

/** Whether the actor may read the record at all. */
export function visibleTo(actor: Actor, record: StoredCallRecord): boolean {
  return actor.role === 'operator' || ownParties(actor, record).length > 0;
}

/** The record as the actor may read it (see above). */
export function viewFor(actor: Actor, record: StoredCallRecord): CallRecordView {
  if (actor.role === 'operator') return record;
  const own = ownParties(actor, record);
  const ownCaller = own.some((p) => p.role === 'caller');
  const ownDelivered = own.some((p) => p.role === 'delivered');
  const numbers = new Set(own.flatMap((p) => (p.number !== undefined ? [p.number] : [])));
  const shownCalling = ownCaller ? record.callingNumber : record.presentedNumber;
  const delivered = record.delivered;
  return {
    id: record.id,
    callId: record.callId,
    startedAt: record.startedAt,
    ...(record.answeredAt !== undefined ? { answeredAt: record.answeredAt } : {}),
    endedAt: record.endedAt,
    durationSeconds: record.durationSeconds,
    ...(shownCalling !== undefined ? { callingNumber: shownCalling } : {}),
    ...(record.presentedNumber !== undefined ? { presentedNumber: record.presentedNumber } : {}),
    presentation: record.presentation,
    calledNumber: record.calledNumber,
    origin: ownCaller ? record.origin : { kind: record.origin.kind },
    ...(delivered ? { delivered: ownDelivered && delivered.kind === 'line' ? delivered : { kind: delivered.kind } } : {}),
    status: record.status,
    outcome: record.outcome,
    endedBy: record.endedBy,
    endReason: record.endReason,
    forwards: record.forwards.filter((hop) => numbers.has(hop.from) || numbers.has(hop.to)),
    decisions: record.decisions.filter((d) => d.party !== undefined && numbers.has(d.party)),
    parties: own,
  };
}

export const CSV_COLUMNS = [
  'id',
  'callId',
  'startedAt',
  'answeredAt',
  'endedAt',
  'durationSeconds',
  'callingNumber',
  'presentedNumber',
  'presentation',
  'calledNumber',
  'origin',
  'delivered',
  'status',
  'outcome',
  'endedBy',
  'endReason',
  'forwards',
  'decisions',
  'node',
  'closedBy',
] as const;

/** One CSV row of a view; lists are `;`-separated, a cell a spreadsheet would run as a formula is quoted with `'`. */
export function csvRow(v: CallRecordView): string[] {
  const endpoint = (e: CallRecordView['origin'] | undefined) => (e ? [e.kind, e.name, e.number].filter((x) => x !== undefined).join(':') : '');
  const cells = [
    v.id,
    v.callId,
    v.startedAt,
    v.answeredAt ?? '',
    v.endedAt,
    String(v.durationSeconds),
    v.callingNumber ?? '',
    v.presentedNumber ?? '',
    v.presentation,
    v.calledNumber,
    endpoint(v.origin),
    endpoint(v.delivered),
    String(v.status),
    v.outcome,
    v.endedBy,
    v.endReason,
    v.forwards.map((f) => `${f.from}>${f.to}(${f.reason})`).join(';'),
    v.decisions.map(decisionText).join(';'),
    v.node ?? '',
    v.closedBy ?? '',
  ];
  return cells.map(safeCell);
}

function decisionText(d: Record<string, unknown>): string {
  const detail = ['status', 'reason', 'target', 'why'].flatMap((k) => (d[k] !== undefined ? [String(d[k] as string | number)] : []));
  return [String(d.stage), String(d.outcome), ...detail].join(':');
}

/** Text from the wire (reason phrases, Call-IDs) must not start a spreadsheet formula (CSV injection). */
export function safeCell(cell: string): string {
  return /^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell;
}
