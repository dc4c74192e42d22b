// The header set (RFC 3261 §7.3) at its edges: both representations (indexed,
// as received, and built, after the first change), folded lines (§7.3.1),
// compact forms (§7.3.3), and the in-place parser hooks the validator uses.
import t from 'tap';
import { Headers, parseMessage } from '../../../src/core/messages/index.js';
import { H_VIA } from '../../../src/core/messages/header-names.js';

const message = (...extra: string[]) =>
  parseMessage(
    Buffer.from(
      [
        'OPTIONS sip:bob@example.com SIP/2.0',
        'Via: SIP/2.0/UDP a.example.com;branch=z9hG4bK1',
        'From: <sip:alice@example.com>;tag=1',
        'To: <sip:bob@example.com>',
        'Call-ID: c1@host',
        'CSeq: 1 OPTIONS',
        ...extra,
        '',
        '',
      ].join('\r\n'),
      'latin1',
    ),
  ).headers;

/** Every argument fn was called with. */
const recorder = () => {
  const calls: string[] = [];
  const fn = (s: string, start: number, end: number) => {
    calls.push(s.slice(start, end));
    return calls.length;
  };
  return { calls, fn };
};

t.test('size counts header lines in both representations', async (t) => {
  const h = message('X-A: 1', 'X-A: 2');
  t.equal(h.size, 7, 'indexed: one per line');
  h.append('X-B', '3');
  t.equal(h.size, 8, 'built: one per line');
  t.equal(new Headers().size, 0);
  t.equal(new Headers([['a', '1']]).size, 1);
});

t.test('built headers: get, getAll, has by any spelling', async (t) => {
  const h = new Headers([
    ['Via', 'SIP/2.0/UDP a;branch=z9hG4bK1'],
    ['X-Thing', 'one'],
    ['v', 'SIP/2.0/UDP b;branch=z9hG4bK2'],
    ['x-thing', 'two'],
  ]);
  t.equal(h.get('VIA'), 'SIP/2.0/UDP a;branch=z9hG4bK1', 'the first of several');
  t.same(h.getAll('Via'), ['SIP/2.0/UDP a;branch=z9hG4bK1', 'SIP/2.0/UDP b;branch=z9hG4bK2'], 'compact v is Via');
  t.same(h.getAll('X-THING'), ['one', 'two']);
  t.same(h.getAll('X-Thin'), [], 'a shorter name is another header');
  t.equal(h.get('nope'), undefined);
  t.ok(h.has('x-thing'));
  t.notOk(h.has('x-things'));
  t.same(
    h.entries().map(([n]) => n),
    ['Via', 'Via', 'X-Thing', 'x-thing'],
    'each added after the last of its name; known names in their canonical spelling, unknown ones as given',
  );
});

t.test('§7.3.1 a list header: getList splits one line, and joins several', async (t) => {
  const h = message('Supported: a, b', 'Supported: c,d');
  t.same(h.getList('supported'), ['a', 'b', 'c', 'd']);
  const one = message('Supported: a , b');
  t.same(one.getList('k'), ['a', 'b'], 'one line split and trimmed');
  t.same(message('Supported: x').getList('supported'), ['x']);
});

t.test('unknown header names in a received message: matched whole, case-insensitively', async (t) => {
  const h = message('X-Custom: 1', 'X-Customer: 2', 'x-cUSTOM: 3', 'X-Custon: 4');
  t.same(h.getAll('X-CUSTOM'), ['1', '3'], 'not a longer name, nor one differing in its last letter');
  t.same(h.getAll('x-custo'), [], 'nor a prefix');
  t.equal(h.get('x-customer'), '2');
  t.notOk(h.has('X-Cust'));
  t.ok(h.has('x-custon'));
  // A known header's id never matches an unknown name of the same length.
  const known = message('Xia: 5');
  t.same(known.getAll('via'), ['SIP/2.0/UDP a.example.com;branch=z9hG4bK1']);
  t.equal(known.get('xia'), '5');
});

t.test('§7.3.1 folded lines read as one line, a line break and its blanks as one SP', async (t) => {
  const h = message('Subject: one \t', ' \t two', '\tthree', 'X-Empty:', '  late');
  t.equal(h.get('subject'), 'one two three');
  t.equal(h.get('x-empty'), 'late', 'an empty first line takes the continuation as its value');
  t.equal(h.entries()[5]?.[1], 'one two three');
  const lf = parseMessage(
    Buffer.from(
      'OPTIONS sip:b@example.com SIP/2.0\nVia: SIP/2.0/UDP a;branch=z9hG4bK1\nFrom: <sip:a@b.c>;tag=1\nTo: <sip:b@b.c>\nCall-ID: c\nCSeq: 1 OPTIONS\nSubject: a\n b\n\n',
      'latin1',
    ),
  );
  t.equal(lf.headers.get('subject'), 'a b', 'bare LF folding too');
});

t.test('the first change builds the header list: names, order and values kept', async (t) => {
  const h = message('X-Custom: keep', 'Subject: a', ' b', 'l: 0');
  h.append('X-New', 'n');
  t.same(h.entries(), [
    ['Via', 'SIP/2.0/UDP a.example.com;branch=z9hG4bK1'],
    ['From', '<sip:alice@example.com>;tag=1'],
    ['To', '<sip:bob@example.com>'],
    ['Call-ID', 'c1@host'],
    ['CSeq', '1 OPTIONS'],
    ['X-Custom', 'keep'],
    ['Subject', 'a b'],
    ['Content-Length', '0'],
    ['X-New', 'n'],
  ]);
  t.equal(h.get('x-custom'), 'keep', 'an unknown name is found by its lower-case key');
  t.equal(h.get('content-length'), '0', 'a compact name by its long one');
  t.equal(h.get('l'), '0');
});

t.test('set: the first occurrence takes the value, later ones go, others stay', async (t) => {
  const h = new Headers([
    ['X-A', '1'],
    ['Route', 'r1'],
    ['X-A', '2'],
    ['X-A', '3'],
    ['Route', 'r2'],
  ]);
  h.set('x-a', 'new');
  t.same(h.entries(), [
    ['X-A', 'new'],
    ['Route', 'r1'],
    ['Route', 'r2'],
  ]);
  const adjacent = new Headers([
    ['X-A', '1'],
    ['X-A', '2'],
    ['X-A', '3'],
  ]);
  adjacent.set('X-A', 'only');
  t.same(adjacent.entries(), [['X-A', 'only']], 'adjacent duplicates all removed');
  const received = message('Route: <sip:p1>', 'Route: <sip:p2>');
  received.set('Route', '<sip:p3>');
  t.same(received.getAll('route'), ['<sip:p3>']);
  t.equal(received.size, 6);
});

t.test('append goes after the last occurrence, else at the end; prepend before the first, else at the top', async (t) => {
  const h = new Headers([
    ['Route', 'r1'],
    ['X-A', '1'],
  ]);
  h.append('Route', 'r2');
  h.append('X-B', 'b');
  h.prepend('X-A', '0');
  h.prepend('Via', 'v');
  t.same(h.entries(), [
    ['Via', 'v'],
    ['Route', 'r1'],
    ['Route', 'r2'],
    ['X-A', '0'],
    ['X-A', '1'],
    ['X-B', 'b'],
  ]);
  const names = new Headers();
  names.append('  X-Spaced  ', 'v');
  names.append('cALL-iD', 'c');
  names.append('f', 'x');
  t.same(
    names.entries().map(([n]) => n),
    ['X-Spaced', 'Call-ID', 'From'],
    'an unknown name trimmed, a known one (or compact form) in its canonical spelling',
  );
  t.equal(names.get('x-spaced'), 'v');
});

t.test('remove drops every occurrence, adjacent ones too', async (t) => {
  const h = new Headers([
    ['X-A', '1'],
    ['X-A', '2'],
    ['Route', 'r'],
    ['X-A', '3'],
  ]);
  h.remove('x-a');
  t.same(h.entries(), [['Route', 'r']]);
  const received = message('Route: a', 'Route: b');
  received.remove('ROUTE');
  t.notOk(received.has('route'));
  t.equal(received.size, 5);
});

t.test('removeFirst: the first line, or the first element of its list', async (t) => {
  const h = new Headers([
    ['Route', '<sip:a>, <sip:b>,<sip:c>'],
    ['Route', '<sip:d>'],
  ]);
  h.removeFirst('route');
  t.same(h.getAll('route'), ['<sip:b>, <sip:c>', '<sip:d>'], 'the rest of the list joined with ", "');
  h.removeFirst('route');
  h.removeFirst('route');
  t.same(h.getAll('route'), ['<sip:d>'], 'a one-element line goes');
  h.removeFirst('route');
  t.equal(h.size, 0);
  h.removeFirst('route');
  t.equal(h.size, 0, 'nothing to remove');
});

t.test('clone: a received set copied with its value cache and its parsed values', async (t) => {
  const h = message('Subject: a', ' b');
  t.equal(h.get('subject'), 'a b', 'fills the value cache');
  let calls = 0;
  const count = (x: Headers, name: string) => {
    calls++;
    return x.get(name);
  };
  t.equal(h.parsed('subject', count), 'a b');
  const c = h.clone();
  t.equal(c.get('subject'), 'a b');
  t.equal(c.parsed('subject', count), 'a b', 'parsed values are shared');
  t.equal(calls, 1);
  c.set('Subject', 'changed');
  t.equal(c.parsed('subject', count), 'changed');
  t.equal(h.parsed('subject', count), 'a b', "the clone's change does not reach the original's cache");
  t.equal(calls, 2);
  const fresh = message('Subject: x').clone();
  t.equal(fresh.get('subject'), 'x', 'a clone before any value was read');
  t.same(new Headers().clone().entries(), []);
});

t.test('in-place parser hooks: the value within the received text, or a copy for folded lines', async (t) => {
  const h = message('Subject: plain', 'X-F: a', ' b', 'X-F: c');
  const plain = recorder();
  t.equal(h._parseFirst('subject', plain.fn), 1);
  t.same(plain.calls, ['plain']);
  t.equal(h._parseFirst('x-none', plain.fn), undefined, 'absent: fn not called');
  t.equal(plain.calls.length, 1);
  const folded = recorder();
  t.equal(h._parseFirst('x-f', folded.fn), 1);
  t.same(folded.calls, ['a b'], 'the unfolded text');
  t.equal(h._idAt(0), H_VIA, 'the id the validator looks for');
  t.not(h._idAt(5), 0, 'Subject is a known header');
  t.equal(h._idAt(6), 0, 'an unknown header has id 0');
  t.equal(h._valueAt(6), 'a b');

  const seen: string[] = [];
  t.ok(
    h._eachValue('x-f', (s, a, b) => {
      seen.push(s.slice(a, b));
      return true;
    }),
  );
  t.same(seen, ['a b', 'c'], 'every line in order');
  const stopped: string[] = [];
  t.notOk(
    h._eachValue('x-f', (s, a, b) => {
      stopped.push(s.slice(a, b));
      return false;
    }),
    'false as soon as fn is',
  );
  t.same(stopped, ['a b'], 'and no further line is read');
  t.ok(
    h._eachValue('x-none', () => false),
    'no line: true',
  );
});

t.test('in-place parser hooks on built headers', async (t) => {
  const h = new Headers([
    ['X-F', 'a'],
    ['Route', 'r'],
    ['X-F', 'b'],
  ]);
  const first = recorder();
  t.equal(h._parseFirst('X-F', first.fn), 1);
  t.same(first.calls, ['a']);
  t.equal(h._parseFirst('x-none', first.fn), undefined);
  const seen: string[] = [];
  t.ok(
    h._eachValue('x-f', (s, a, b) => {
      seen.push(s.slice(a, b));
      return true;
    }),
  );
  t.same(seen, ['a', 'b'], 'only that header, in order');
  const stopped: string[] = [];
  t.notOk(
    h._eachValue('x-f', (s, a, b) => {
      stopped.push(s.slice(a, b));
      return false;
    }),
  );
  t.same(stopped, ['a']);
  t.ok(
    h._eachValue('x-none', () => false),
    'no line: true',
  );
});

t.test('the first header line is found like any other (index 0)', async (t) => {
  const h = message();
  t.ok(h.has('via'), 'received: Via is line 0');
  const seen: string[] = [];
  t.ok(
    h._eachValue('via', (s, a, b) => {
      seen.push(s.slice(a, b));
      return true;
    }),
  );
  t.same(seen, ['SIP/2.0/UDP a.example.com;branch=z9hG4bK1'], 'the in-place reader visits line 0');
  const built = new Headers([
    ['To', '<sip:a@b.com>'],
    ['X-A', '1'],
  ]);
  t.ok(built.has('to'), 'built: the first entry');
  t.ok(built.has('x-a'));
});

t.test('clone of built headers: the same entries, then independent both ways', async (t) => {
  const h = new Headers([
    ['Via', 'v1'],
    ['X-A', '1'],
  ]);
  const c = h.clone();
  t.same(c.entries(), h.entries(), 'the same entries');
  t.equal(c.get('x-a'), '1');
  c.prepend('Route', 'r');
  c.append('X-A', '2');
  c.remove('via');
  t.same(h.entries(), [
    ['Via', 'v1'],
    ['X-A', '1'],
  ]);
  t.same(c.entries(), [
    ['Route', 'r'],
    ['X-A', '1'],
    ['X-A', '2'],
  ]);
  h.set('X-A', 'changed');
  t.same(c.getAll('x-a'), ['1', '2'], 'and the original changing leaves the clone alone');
});

t.test('storing a parsed value again replaces it', async (t) => {
  const h = new Headers([['Subject', 's']]);
  const parse = (x: Headers, name: string) => x.get(name);
  h._setParsed('subject', parse, 'first');
  h._setParsed('subject', parse, 'second');
  t.equal(h._peekParsed('subject', parse), 'second');
  t.equal(h.parsed('subject', parse), 'second');
  h.set('Subject', 't');
  t.equal(h._peekParsed('subject', parse), undefined, 'dropped when the header changes');
});
