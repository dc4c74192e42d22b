import { CsvError, parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';

/**
 * CSV in and out through csv-parse / csv-stringify, set up to read what
 * spreadsheets write (a UTF-8 byte-order mark, CRLF, LF or CR line ends,
 * quoted fields with embedded line breaks) and to say where a file is
 * malformed in the words the API and the portal show.
 */

export interface CsvRecord {
  /** Physical line (1-based) the record starts on, for error messages. */
  line: number;
  fields: string[];
}

export type CsvParse = { ok: true; records: CsvRecord[] } | { ok: false; error: string };

const MESSAGES: Record<string, string> = {
  CSV_QUOTE_NOT_CLOSED: 'a quoted field is not closed',
  CSV_INVALID_CLOSING_QUOTE: 'text after a closing quote (write "" for a quote inside a quoted field)',
  INVALID_OPENING_QUOTE: 'a quote inside an unquoted field (quote the whole field)',
};

/** Records of `text`; blank lines are skipped. Fails only on a malformed quote. */
export function parseCsv(text: string): CsvParse {
  try {
    const rows = parse(text, {
      bom: true,
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
      record_delimiter: ['\r\n', '\n', '\r'],
    }) as unknown as Array<{ record: string[]; info: { lines: number } }>;
    // csv-parse counts the line a record ends on; line breaks inside its fields take us back to where it starts.
    return { ok: true, records: rows.map(({ record, info }) => ({ line: info.lines - record.join('').replace(/[^\r\n]/g, '').length, fields: record })) };
  } catch (err) {
    if (!(err instanceof CsvError)) throw err;
    const lines = (err as CsvError & { lines?: number }).lines ?? 1;
    return { ok: false, error: `line ${lines}: ${MESSAGES[err.code] ?? err.message}` };
  }
}

/**
 * A cell a spreadsheet will not run as a formula (CSV injection): a value
 * starting with `=`, `+`, `-`, `@`, tab or CR gets a leading `'`, which
 * spreadsheets show as text. Numbers, booleans and names are unchanged.
 */
export function spreadsheetSafe(cell: string): string {
  return /^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell;
}

/**
 * One CSV text, CRLF line ends, a final CRLF; fields quoted only when they
 * need it (or have edge spaces a reader would trim); every cell spreadsheet-safe.
 */
export function stringifyCsv(rows: ReadonlyArray<ReadonlyArray<string>>): string {
  return stringify(
    rows.map((row) => row.map(spreadsheetSafe)),
    { record_delimiter: '\r\n', quoted_match: [/^\s|\s$/, /[\r\n]/] },
  );
}
