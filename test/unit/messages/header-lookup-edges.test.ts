// Header names (RFC 3261 §7.3.1: case-insensitive; §7.3.3 compact forms) as the
// parser classifies them and as the parsed-value cache forgets them.
import t from 'tap';
import { Headers, parseMessage } from '../../../src/core/messages/index.js';
import { classifyName } from '../../../src/core/messages/header-names.js';
import { MINIMAL_OPTIONS } from './parser-fixtures.js';

const request = (...extra: string[]) => parseMessage(Buffer.from([...MINIMAL_OPTIONS, ...extra, '', ''].join('\r\n'), 'latin1'));

t.test('a known name in lower case is classified as in upper case', async (t) => {
  for (const name of ['via', 'from', 'call-id', 'www-authenticate', 'p-asserted-identity']) {
    t.not(classifyName(name, 0, name.length), 0, name);
    t.equal(classifyName(name, 0, name.length), classifyName(name.toUpperCase(), 0, name.length), name);
  }
});

t.test('a longer name that starts with a known one is another header, even where their hashes meet', async (t) => {
  // Each of these lands on the slot of its prefix in the 1024-slot name table (hash h = h*31 + c).
  for (const name of ['Fromtt', 'Tovv', 'CSeqxx', 'Call-IDtt']) t.equal(classifyName(name, 0, name.length), 0, name);
  const m = request('Fromtt: x', 'Tovv: y', 'CSeqxx: z', 'Call-IDtt: w');
  t.equal(m.headers.get('from'), '<sip:alice@example.com>;tag=1', 'not a second From');
  t.equal(m.headers.get('fromtt'), 'x');
  t.equal(m.cseq()?.seq, 1);
});

t.test('header names that are Object.prototype properties are ordinary unknown names', async (t) => {
  const m = request('Constructor: a', 'toString: b', '__proto__: c', 'hasOwnProperty: d');
  t.equal(m.headers.get('constructor'), 'a');
  t.equal(m.headers.get('TOSTRING'), 'b');
  t.equal(m.headers.get('__proto__'), 'c');
  t.equal(m.headers.get('hasownproperty'), 'd');
  const h = new Headers([['constructor', 'x']]);
  t.same(h.entries(), [['constructor', 'x']]);
  t.equal(h.get('Constructor'), 'x');
});

t.test('a parsed value cached under any spelling is dropped when its header changes', async (t) => {
  let calls = 0;
  const read = (h: Headers, name: string) => {
    calls++;
    return h.get(name);
  };
  const h = new Headers([
    ['Subject', 'one'],
    ['Via', 'v1'],
  ]);
  t.equal(h.parsed('Subject', read), 'one', 'cached under the display spelling');
  t.equal(h.parsed('v', read), 'v1', 'and under a compact form');
  h.set('subject', 'two');
  t.equal(h.parsed('Subject', read), 'two');
  h.set('Via', 'v2');
  t.equal(h.parsed('v', read), 'v2');
  t.equal(calls, 4);
});
