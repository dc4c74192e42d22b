import t from 'tap';
import { parseBinding, parseBulkGroup, parseOutboundRoutes, reportDamagedValuesTo } from '../../../src/store/schemas.js';

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
