import t from 'tap';
import { parseCsv, stringifyCsv } from '../../../src/api/csv.js';
import { columnOf, FORWARDING_COLUMNS, forwardingCsv, readForwardingCsv } from '../../../src/api/forwarding-table.js';
import { defaultFeatures } from '../../../src/features/settings.js';

const fields = (text: string) => {
  const r = parseCsv(text);
  if (!r.ok) throw new Error(r.error);
  return r.records;
};

t.test('parseCsv reads RFC 4180 and what spreadsheets write', async (t) => {
  t.same(
    fields('a,b\r\nc,d\r\n'),
    [
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['c', 'd'] },
    ],
    'CRLF',
  );
  t.same(
    fields('a,b\nc,d'),
    [
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['c', 'd'] },
    ],
    'LF, no final line end',
  );
  t.same(fields('\uFEFFa,b\n'), [{ line: 1, fields: ['a', 'b'] }], 'byte-order mark dropped');
  t.same(fields('a,,\n'), [{ line: 1, fields: ['a', '', ''] }], 'empty fields kept');
  t.same(fields('"x, y","say ""hi"""\n'), [{ line: 1, fields: ['x, y', 'say "hi"'] }], 'quoted comma and escaped quote');
  t.same(
    fields('"two\nlines",b\nnext,c\n'),
    [
      { line: 1, fields: ['two\nlines', 'b'] },
      { line: 3, fields: ['next', 'c'] },
    ],
    'a line break inside quotes: the next record starts on physical line 3',
  );
  t.same(
    fields('a\n\n\nb\n'),
    [
      { line: 1, fields: ['a'] },
      { line: 4, fields: ['b'] },
    ],
    'blank lines skipped, lines still counted',
  );
  t.same(fields(''), [], 'empty text');
});

t.test('parseCsv refuses malformed quotes with the line', async (t) => {
  t.same(parseCsv('a\n"open,b\n'), { ok: false, error: 'line 2: a quoted field is not closed' });
  t.match(parseCsv('"a"b,c\n'), { ok: false, error: /^line 1: text after a closing quote/ });
  t.match(parseCsv('a\nb"c\n'), { ok: false, error: /^line 2: a quote inside an unquoted field/ });
});

t.test('stringifyCsv quotes only what needs it and parses back', async (t) => {
  const rows = [['plain', 'with,comma', 'with "quote"', 'two\nlines', ' padded ', '']];
  const text = stringifyCsv(rows);
  t.equal(text, 'plain,"with,comma","with ""quote""","two\nlines"," padded ",\r\n');
  t.same(
    fields(text).map((r) => r.fields),
    rows,
    'round trip',
  );
  t.equal(stringifyCsv([]), '');
});

const header = FORWARDING_COLUMNS.join(',');

t.test('forwardingCsv writes one row per number and reads back', async (t) => {
  const f = {
    ...defaultFeatures('0311110001').forwarding,
    enabled: true,
    busy: true,
    ringTime: 20,
    active: 2 as const,
    destinations: [null, '0312349999', null, null, '0312348888'],
  };
  const text = forwardingCsv([
    { number: '0311110001', forwarding: f },
    { number: '0311110002', forwarding: defaultFeatures('0311110002').forwarding },
  ]);
  t.equal(text, `${header}\r\n0311110001,true,false,true,false,false,20,2,,0312349999,,,0312348888\r\n0311110002,false,false,false,false,false,15,1,,,,,\r\n`);
  const back = readForwardingCsv(text);
  t.same(back.issues, []);
  t.same(back.rows[0], {
    line: 2,
    number: '0311110001',
    forwarding: {
      enabled: true,
      unconditional: false,
      busy: true,
      noAnswer: false,
      unreachable: false,
      ringTime: 20,
      active: 2,
      destinations: [null, '0312349999', null, null, '0312348888'],
    },
  });
  t.equal(back.rows.length, 2);
});

t.test('readForwardingCsv accepts columns in any order and spreadsheet booleans', async (t) => {
  const cols = [...FORWARDING_COLUMNS].reverse();
  const values: Record<string, string> = {
    number: '03-1111-0001',
    enabled: 'TRUE',
    unconditional: 'on',
    busy: 'no',
    noAnswer: '0',
    unreachable: 'False',
    ringTime: '5',
    active: '1',
    dest1: '0312349999',
  };
  const text = `${cols.join(',')}\n${cols.map((c) => values[c] ?? '').join(',')}\n`;
  const r = readForwardingCsv(text);
  t.same(r.issues, []);
  t.match(r.rows[0], {
    number: '0311110001',
    forwarding: { enabled: true, unconditional: true, busy: false, noAnswer: false, unreachable: false, ringTime: 5 },
  });
});

t.test('readForwardingCsv names every bad cell', async (t) => {
  const row = (over: Record<string, string>) =>
    FORWARDING_COLUMNS.map((c) => over[c] ?? ({ number: '0311110001', ringTime: '15', active: '1' } as Record<string, string>)[c] ?? 'false').join(',');
  const text = [
    header,
    row({ enabled: 'maybe' }),
    row({ number: '311110002', ringTime: 'ten' }),
    row({ number: '0311110001' }),
    row({ number: 'abc' }),
    '0311110003,false',
  ].join('\n');
  const r = readForwardingCsv(text);
  t.same(r.issues, [
    'line 2, column enabled: must be true or false, not "maybe"',
    'line 3, column number: not a national number: "311110002" lacks the leading 0 (keep the column as text in a spreadsheet)',
    'line 3, column ringTime: must be a whole number, not "ten"',
    'line 4, column number: number 0311110001 is also on line 2',
    'line 5, column number: not a national number (0 + 9 or 10 digits): "abc"',
    'line 6: expected 13 fields, found 2',
  ]);
  t.same(
    r.rows.map((x) => x.line),
    [],
    'line 2 is bad too; no good rows here',
  );
});

t.test('readForwardingCsv checks the header', async (t) => {
  t.same(readForwardingCsv('').issues, ['line 1: the file is empty (expected a header line)']);
  const cols = FORWARDING_COLUMNS.filter((c) => c !== 'dest5');
  t.same(readForwardingCsv(`${cols.join(',')},colour,number\n`).issues, [
    'line 1, column 13: unknown column "colour"',
    'line 1, column 14: column number appears twice',
    'line 1: missing column dest5',
  ]);
  t.same(readForwardingCsv('"number\n').issues, ['line 1: a quoted field is not closed']);
});

t.test('columnOf maps provisioning paths below forwarding to columns', async (t) => {
  t.equal(columnOf('ringTime'), 'ringTime');
  t.equal(columnOf('destinations[0]'), 'dest1');
  t.equal(columnOf('destinations[4]'), 'dest5');
  t.equal(columnOf('active'), 'active');
  t.equal(columnOf('schedule[0].pattern.active'), null);
  t.equal(columnOf('number'), null);
});

t.test('stringifyCsv: cells a spreadsheet would run as a formula are written as text', async (t) => {
  t.equal(stringifyCsv([['=1+1', '+81', '-2', '@SUM(A1)', '\tx', 'plain', '0312345678', '']]), "'=1+1,'+81,'-2,'@SUM(A1),'\tx,plain,0312345678,\r\n");
  t.equal(stringifyCsv([['=HYPERLINK("http://x")']]), `"'=HYPERLINK(""http://x"")"\r\n`, 'quoted as usual after the prefix');
});
