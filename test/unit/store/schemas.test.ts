import t from 'tap';
import { z } from 'zod';
import { memoizedParser, parseBinding, parseBulkGroup, parseOutboundRoutes, parseSharedBulkGroup, reportDamagedValuesTo } from '../../../src/store/schemas.js';

const warnings: unknown[] = [];
reportDamagedValuesTo({ warn: (obj: unknown) => warnings.push(obj) });

const binding = {
  key: 'k',
  uri: 'sip:a@127.0.0.1',
  expiresAt: 2,
  callId: 'c',
  cseq: 1,
  path: [],
  source: { transport: 'UDP', address: '127.0.0.1', port: 5060, node: 'n' },
  registeredAt: 1,
};

t.test('a stored value that matches its schema comes back as it was', async (t) => {
  t.same(parseBinding(JSON.stringify(binding)), binding);
  t.same(parseOutboundRoutes(JSON.stringify([{ name: 'r', prefix: '0', target: '127.0.0.1:5070', transport: 'udp' }])), [
    { name: 'r', prefix: '0', target: '127.0.0.1:5070', transport: 'udp' },
  ]);
  t.equal(parseBulkGroup(null), null, 'absent is absent');
});

t.test('a damaged value is absent, never cast, and logged once per kind', async (t) => {
  t.equal(parseBinding('{not json'), null, 'not JSON');
  t.equal(parseBinding(JSON.stringify({ ...binding, expiresAt: 'soon' })), null, 'a field of the wrong type');
  t.equal(parseBulkGroup(JSON.stringify({ id: 'g', siteId: 's', name: 'n', members: [], state: 'exploded' })), null, 'a value outside its enum');
  t.same(
    warnings.map((w) => (w as { what: string }).what),
    ['binding', 'bulk group'],
    'one warning per kind',
  );
  t.match(warnings[0], { event: 'store.damaged', what: 'binding' });
});

t.test('a value every call reads is parsed once per stored text, and handed out frozen', async (t) => {
  let checks = 0;
  const schema = z.object({ id: z.string(), members: z.array(z.string()), inner: z.object({ n: z.number() }) }).refine(() => ++checks > 0);
  const parse = memoizedParser(schema, 'test value', 2);
  const text = JSON.stringify({ id: 'a', members: ['1'], inner: { n: 1 } });
  const first = parse(text);
  const again = parse(text.slice(0)); // another string with the same text, as a new read gives
  t.equal(checks, 1, 'the second read of the same text is not checked again');
  t.equal(again, first, 'it is the same value');
  t.ok(Object.isFrozen(first) && Object.isFrozen(first?.members) && Object.isFrozen(first?.inner), 'frozen, nested values too');
  t.throws(() => first!.members.push('2'), TypeError, 'a reader cannot change what another holds');

  parse(JSON.stringify({ id: 'b', members: [], inner: { n: 2 } }));
  parse(JSON.stringify({ id: 'c', members: [], inner: { n: 3 } }));
  t.equal(checks, 3);
  t.not(parse(text), first, 'beyond its bound the oldest text is dropped and parsed anew');
  t.equal(checks, 4);

  const long = memoizedParser(schema, 'test value', 2, 40);
  const longText = JSON.stringify({ id: 'a long one', members: ['1', '2', '3'], inner: { n: 4 } });
  t.ok(longText.length > 40);
  const before = checks;
  t.not(long(longText), long(longText), 'a text past the length bound is parsed every time, never kept');
  t.equal(checks, before + 2);

  t.equal(parse('{not json'), null, 'damaged is still absent');
  t.equal(parse(null), null);
  t.same(parseSharedBulkGroup(JSON.stringify({ id: 'g', siteId: 's', name: 'n', members: ['1'], state: 'started' })), {
    id: 'g',
    siteId: 's',
    name: 'n',
    members: ['1'],
    state: 'started',
  });
  t.notOk(
    Object.isFrozen(parseBulkGroup(JSON.stringify({ id: 'g', siteId: 's', name: 'n', members: [], state: 'stopped' }))),
    'management code edits its own copy',
  );
});
