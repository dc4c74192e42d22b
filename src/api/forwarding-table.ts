import type { ForwardingSettings } from '../features/settings.js';
import { isNationalNumber, normalizeNumber } from '../numbers/national.js';
import { parseCsv, stringifyCsv } from './csv.js';

/**
 * A site's forwarding settings as a CSV table (pure): one row per number,
 * the base pattern and the five destination slots. Weekly schedules are not
 * in the table; an upload keeps each number's stored schedule.
 */

export const FORWARDING_COLUMNS = [
  'number',
  'enabled',
  'unconditional',
  'busy',
  'noAnswer',
  'unreachable',
  'ringTime',
  'active',
  'dest1',
  'dest2',
  'dest3',
  'dest4',
  'dest5',
] as const;
export type ForwardingColumn = (typeof FORWARDING_COLUMNS)[number];

const BOOLEAN_COLUMNS = ['enabled', 'unconditional', 'busy', 'noAnswer', 'unreachable'] as const;
const DEST_COLUMNS = ['dest1', 'dest2', 'dest3', 'dest4', 'dest5'] as const;

/** What one uploaded row asks for: the forwarding fields the table holds, not yet checked against the spec rules. */
export interface ForwardingRow {
  line: number;
  number: string;
  forwarding: {
    enabled: boolean;
    unconditional: boolean;
    busy: boolean;
    noAnswer: boolean;
    unreachable: boolean;
    ringTime: number;
    active: number;
    destinations: Array<string | null>;
  };
}

export function forwardingCsv(numbers: ReadonlyArray<{ number: string; forwarding: ForwardingSettings }>): string {
  const rows = numbers.map(({ number, forwarding: f }) => [
    number,
    ...BOOLEAN_COLUMNS.map((c) => String(f[c])),
    String(f.ringTime),
    String(f.active),
    ...DEST_COLUMNS.map((_, i) => f.destinations[i] ?? ''),
  ]);
  return stringifyCsv([[...FORWARDING_COLUMNS], ...rows]);
}

const TRUE = new Set(['true', 'on', 'yes', '1']);
const FALSE = new Set(['false', 'off', 'no', '0']);

/**
 * The rows of an uploaded table that read well, and every problem of the
 * others (`line N, column X: message`): the caller checks the good rows
 * further and refuses the file if anything at all is wrong.
 */
export function readForwardingCsv(text: string): { rows: ForwardingRow[]; issues: string[] } {
  const parsed = parseCsv(text);
  if (!parsed.ok) return { rows: [], issues: [parsed.error] };
  const [header, ...records] = parsed.records;
  if (!header) return { rows: [], issues: ['line 1: the file is empty (expected a header line)'] };

  const issues: string[] = [];
  const index = new Map<string, number>();
  header.fields.forEach((name, i) => {
    const col = name.trim();
    if (!(FORWARDING_COLUMNS as readonly string[]).includes(col)) issues.push(`line ${header.line}, column ${i + 1}: unknown column "${col}"`);
    else if (index.has(col)) issues.push(`line ${header.line}, column ${i + 1}: column ${col} appears twice`);
    else index.set(col, i);
  });
  for (const col of FORWARDING_COLUMNS) if (!index.has(col)) issues.push(`line ${header.line}: missing column ${col}`);
  if (issues.length) return { rows: [], issues };

  const rows: ForwardingRow[] = [];
  const seen = new Map<string, number>();
  for (const rec of records) {
    if (rec.fields.length !== header.fields.length) {
      issues.push(`line ${rec.line}: expected ${header.fields.length} fields, found ${rec.fields.length}`);
      continue;
    }
    const cell = (c: ForwardingColumn) => rec.fields[index.get(c)!]!.trim();
    const bad = (c: ForwardingColumn, message: string) => issues.push(`line ${rec.line}, column ${c}: ${message}`);
    const before = issues.length;

    const number = readNumber(cell('number'));
    if (typeof number !== 'string') bad('number', number.error);
    else if (seen.has(number)) bad('number', `number ${number} is also on line ${seen.get(number)}`);
    else seen.set(number, rec.line);

    const bools = {} as Record<(typeof BOOLEAN_COLUMNS)[number], boolean>;
    for (const c of BOOLEAN_COLUMNS) {
      const v = cell(c).toLowerCase();
      if (TRUE.has(v)) bools[c] = true;
      else if (FALSE.has(v)) bools[c] = false;
      else bad(c, `must be true or false, not "${cell(c)}"`);
    }
    const ints = { ringTime: 0, active: 0 };
    for (const c of ['ringTime', 'active'] as const) {
      if (/^\d{1,6}$/.test(cell(c))) ints[c] = Number(cell(c));
      else bad(c, `must be a whole number, not "${cell(c)}"`);
    }
    const destinations = DEST_COLUMNS.map((c) => cell(c) || null);
    if (issues.length === before && typeof number === 'string') {
      rows.push({ line: rec.line, number, forwarding: { ...bools, ...ints, destinations } });
    }
  }
  return { rows, issues };
}

function readNumber(s: string): string | { error: string } {
  if (s === '') return { error: 'is required' };
  const n = normalizeNumber(s);
  if (n !== null && isNationalNumber(n)) return n;
  // Spreadsheets read 0312345678 as a number and drop the 0.
  if (/^[1-9]\d{8,9}$/.test(s)) return { error: `not a national number: "${s}" lacks the leading 0 (keep the column as text in a spreadsheet)` };
  return { error: `not a national number (0 + 9 or 10 digits): "${s}"` };
}

/**
 * The column a provisioning issue about a row's forwarding names, from the
 * path below `forwarding` (e.g. `ringTime`, `destinations[2]`); null when
 * the issue is about something not in the table (the stored schedule).
 */
export function columnOf(subpath: string): ForwardingColumn | null {
  const dest = /^destinations\[(\d)\]/.exec(subpath);
  if (dest) return DEST_COLUMNS[Number(dest[1])] ?? null;
  if (subpath === 'destinations') return 'dest1';
  const name = /^[A-Za-z]+/.exec(subpath)?.[0];
  return name && (FORWARDING_COLUMNS as readonly string[]).includes(name) && name !== 'number' ? (name as ForwardingColumn) : null;
}
