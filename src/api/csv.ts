/**
 * A small RFC 4180 CSV codec (pure). Reads what spreadsheets write: a UTF-8
 * byte-order mark, CRLF or LF line ends, quoted fields with `""` escapes and
 * embedded line breaks, a final line end or none. Writes CRLF lines, quoting
 * only the fields that need it.
 */

export interface CsvRecord {
  /** Physical line (1-based) the record starts on, for error messages. */
  line: number;
  fields: string[];
}

export type CsvParse = { ok: true; records: CsvRecord[] } | { ok: false; error: string };

/** Records of `text`; blank lines are skipped. Fails only on a malformed quote. */
export function parseCsv(text: string): CsvParse {
  const s = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const records: CsvRecord[] = [];
  let line = 1;
  let i = 0;
  while (i < s.length) {
    const start = line;
    const fields: string[] = [];
    for (;;) {
      let value = '';
      if (s[i] === '"') {
        const quoteLine = line;
        i++;
        for (;;) {
          if (i >= s.length) return { ok: false, error: `line ${quoteLine}: a quoted field is not closed` };
          const c = s[i]!;
          if (c === '"') {
            if (s[i + 1] === '"') {
              value += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (c === '\n') line++;
          value += c;
          i++;
        }
        if (i < s.length && s[i] !== ',' && s[i] !== '\n' && s[i] !== '\r') {
          return { ok: false, error: `line ${line}: text after a closing quote (write "" for a quote inside a quoted field)` };
        }
      } else {
        while (i < s.length && s[i] !== ',' && s[i] !== '\n' && s[i] !== '\r') {
          if (s[i] === '"') return { ok: false, error: `line ${line}: a quote inside an unquoted field (quote the whole field)` };
          value += s[i];
          i++;
        }
      }
      fields.push(value);
      if (s[i] === ',') {
        i++;
        continue;
      }
      break;
    }
    // End of record: CRLF, LF, a lone CR, or the end of the text.
    if (s[i] === '\r') i++;
    if (s[i] === '\n') i++;
    line++;
    if (!(fields.length === 1 && fields[0] === '')) records.push({ line: start, fields });
  }
  return { ok: true, records };
}

/** One CSV text, CRLF line ends, a final CRLF. */
export function stringifyCsv(rows: ReadonlyArray<ReadonlyArray<string>>): string {
  return rows.map((r) => r.map(quoteField).join(',')).join('\r\n') + (rows.length ? '\r\n' : '');
}

function quoteField(v: string): string {
  return /[",\r\n]/.test(v) || v !== v.trim() ? `"${v.replace(/"/g, '""')}"` : v;
}
