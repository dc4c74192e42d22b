import t from 'tap';
import { Headers, parseMessage } from '../../../src/core/messages/index.js';

const RAW = [
  'INVITE sip:bob@example.com SIP/2.0',
  'v: SIP/2.0/UDP a.example.com;branch=z9hG4bK1, SIP/2.0/UDP b.example.com;branch=z9hG4bK2',
  'Via: SIP/2.0/TCP c.example.com;branch=z9hG4bK3',
  'f: <sip:alice@example.com>;tag=1',
  't: <sip:bob@example.com>',
  'i: abc@host',
  'cseq: 1 INVITE',
  'Record-Route: <sip:p1.example.com;lr>',
  'X-Custom :  first',
  'Supported: timer,',
  '  replaces',
  'k: 100rel',
  'www-authenticate: Digest realm="x"',
  'Record-Route: <sip:p2.example.com;lr>',
  'Subject:',
  'l: 0',
  '',
  '',
].join('\r\n');

const parsed = () => parseMessage(Buffer.from(RAW, 'latin1')).headers;

t.test('lookup is case-insensitive and compact-aware (indexed mode)', async (t) => {
  const h = parsed();
  t.equal(h.get('Call-ID'), 'abc@host');
  t.equal(h.get('CALL-ID'), 'abc@host');
  t.equal(h.get('i'), 'abc@host');
  t.equal(h.get('I'), 'abc@host');
  t.equal(h.get('from'), '<sip:alice@example.com>;tag=1');
  t.equal(h.get('x-custom'), 'first', 'whitespace before colon');
  t.equal(h.get('subject'), '', 'empty value');
  t.ok(h.has('Subject'));
  t.notOk(h.has('expires'));
  t.equal(h.get('expires'), undefined);
  t.same(
    h.getAll('via'),
    ['SIP/2.0/UDP a.example.com;branch=z9hG4bK1, SIP/2.0/UDP b.example.com;branch=z9hG4bK2', 'SIP/2.0/TCP c.example.com;branch=z9hG4bK3'],
    'getAll does not comma-split',
  );
  t.equal(h.getList('via').length, 3);
  t.same(h.getList('supported'), ['timer', 'replaces', '100rel'], 'folded, compact k merged');
  t.same(h.getAll('record-route'), ['<sip:p1.example.com;lr>', '<sip:p2.example.com;lr>']);
  t.same(h.getList('nope'), []);
});

t.test('entries use canonical names in order', async (t) => {
  const names = parsed()
    .entries()
    .map(([n]) => n);
  t.same(names, [
    'Via',
    'Via',
    'From',
    'To',
    'Call-ID',
    'CSeq',
    'Record-Route',
    'X-Custom',
    'Supported',
    'Supported',
    'WWW-Authenticate',
    'Record-Route',
    'Subject',
    'Content-Length',
  ]);
  t.equal(parsed().entries()[8]?.[1], 'timer, replaces', 'folding undone in entries');
});

t.test('mutations', async (t) => {
  const h = parsed();
  h.prepend('Via', 'SIP/2.0/UDP proxy.example.com;branch=z9hG4bKp');
  t.equal(h.getAll('via').length, 3);
  t.equal(h.get('v'), 'SIP/2.0/UDP proxy.example.com;branch=z9hG4bKp');
  t.equal(h.entries()[0]?.[0], 'Via', 'prepended before the first Via');

  h.removeFirst('via');
  h.removeFirst('via');
  t.same(
    h.getAll('via'),
    ['SIP/2.0/UDP b.example.com;branch=z9hG4bK2', 'SIP/2.0/TCP c.example.com;branch=z9hG4bK3'],
    'removeFirst removes one element of a comma list',
  );

  h.append('Record-Route', '<sip:p3.example.com;lr>');
  t.same(h.getAll('record-route').length, 3);
  const order = h.entries().map(([n]) => n);
  t.equal(order.lastIndexOf('Record-Route'), order.indexOf('Subject') - 1, 'appended after the last Record-Route');

  h.set('Max-Forwards', '69');
  t.equal(h.entries().at(-1)?.[0], 'Max-Forwards', 'new header set at the end');
  h.set('record-route', '<sip:only.example.com>');
  t.same(h.getAll('Record-Route'), ['<sip:only.example.com>']);
  t.equal(
    h
      .entries()
      .map(([n]) => n)
      .indexOf('Record-Route'),
    6,
    'set keeps the first position',
  );

  h.remove('supported');
  t.notOk(h.has('k'));
  h.remove('not-there');
  h.removeFirst('not-there');

  h.append('x-new-thing', 'v');
  t.equal(h.get('X-NEW-THING'), 'v');
  t.equal(h.entries().at(-1)?.[0], 'x-new-thing', 'unknown names kept as given');
  h.append('l', '0');
  t.equal(h.getAll('content-length').length, 2, 'compact name on mutation maps to the long form');
});

t.test('constructor, prepend at top, clone independence', async (t) => {
  const h = new Headers([
    ['To', '<sip:a@b.com>'],
    ['Call-ID', 'x'],
  ]);
  h.prepend('Via', 'SIP/2.0/UDP h;branch=z9hG4bK1');
  t.same(h.entries(), [
    ['Via', 'SIP/2.0/UDP h;branch=z9hG4bK1'],
    ['To', '<sip:a@b.com>'],
    ['Call-ID', 'x'],
  ]);
  const c = h.clone();
  c.set('call-id', 'y');
  t.equal(h.get('call-id'), 'x');
  t.equal(c.get('call-id'), 'y');

  const p = parsed();
  p.get('to');
  const pc = p.clone();
  pc.remove('to');
  t.equal(p.get('to'), '<sip:bob@example.com>', 'clone of an indexed set is independent');
  t.notOk(pc.has('to'));
  t.equal(pc.get('from'), '<sip:alice@example.com>;tag=1');
});
