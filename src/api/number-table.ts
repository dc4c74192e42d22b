import type { NumberFeatures } from '../features/settings.js';
import { stringifyCsv } from './csv.js';

/**
 * Number information as a CSV table (docs/product.md §6), pure: one row per
 * number with its line, groups and every feature setting. Built column by
 * column from named fields, so nothing of the line record that is not listed
 * here (HA1, realm) can reach the file.
 */

export interface NumberInfo {
  number: string;
  kind: 'basic' | 'dial-in';
  line: { sipId: string; siteId: string; voiceGroupId: string; auth: 'digest' | 'ip'; channels: number; basicNumber: string };
  huntGroup: string | null;
  bulkGroup: string | null;
  features: NumberFeatures;
}

const yes = (b: boolean) => String(b);

/** Column name and how to read it; the order is the file's. */
const COLUMNS: ReadonlyArray<readonly [string, (n: NumberInfo) => string]> = [
  ['number', (n) => n.number],
  ['kind', (n) => n.kind],
  ['voiceGroupId', (n) => n.line.voiceGroupId],
  ['siteId', (n) => n.line.siteId],
  ['sipId', (n) => n.line.sipId],
  ['auth', (n) => n.line.auth],
  ['channels', (n) => String(n.line.channels)],
  ['basicNumber', (n) => n.line.basicNumber],
  ['huntGroup', (n) => n.huntGroup ?? ''],
  ['bulkGroup', (n) => n.bulkGroup ?? ''],
  ['presentation', (n) => n.features.presentation],
  ['specificPresentation', (n) => n.features.specificPresentation?.number ?? ''],
  ['specificPresentationEnabled', (n) => yes(n.features.specificPresentation?.enabled ?? false)],
  ['anonymousRejection', (n) => yes(n.features.anonymousRejection)],
  ['internationalBar', (n) => yes(n.features.internationalBar)],
  ['outgoingRestriction', (n) => yes(n.features.outgoingRestriction)],
  ['blockedCallers', (n) => n.features.blockedCallers.join(' ')],
  ['forwarding', (n) => yes(n.features.forwarding.enabled)],
  ['unconditional', (n) => yes(n.features.forwarding.unconditional)],
  ['busy', (n) => yes(n.features.forwarding.busy)],
  ['noAnswer', (n) => yes(n.features.forwarding.noAnswer)],
  ['unreachable', (n) => yes(n.features.forwarding.unreachable)],
  ['ringTime', (n) => String(n.features.forwarding.ringTime)],
  ['active', (n) => String(n.features.forwarding.active)],
  ...[1, 2, 3, 4, 5].map((slot) => [`dest${slot}`, (n: NumberInfo) => n.features.forwarding.destinations[slot - 1] ?? ''] as const),
  ['scheduleEntries', (n) => String(n.features.forwarding.schedule.length)],
];

export const NUMBER_COLUMNS = COLUMNS.map(([name]) => name);

export function numberInfoCsv(numbers: readonly NumberInfo[]): string {
  return stringifyCsv([NUMBER_COLUMNS, ...numbers.map((n) => COLUMNS.map(([, read]) => read(n)))]);
}

/** Digits of a number prefix as typed (hyphens, spaces allowed); null when it has anything else or more than 11 digits. */
export function numberPrefix(input: string): string | null {
  const digits = input.replace(/[\s-]/g, '');
  return /^\d{0,11}$/.test(digits) ? digits : null;
}
