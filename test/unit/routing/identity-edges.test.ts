// Caller identity edges (docs/product.md §5, caller-ID presentation): a display
// name of up to 64 characters goes on, and a From the service cannot read is
// not rewritten but the identity is still asserted.
import t from 'tap';
import { Headers, SipRequest } from '../../../src/core/messages/index.js';
import { assertCallerIdentity, plainDisplayName } from '../../../src/routing/identity-headers.js';

t.test('a display name of exactly 64 characters stays; 65 is too long', async (t) => {
  t.equal(plainDisplayName('x'.repeat(64)), 'x'.repeat(64));
  t.equal(plainDisplayName('x'.repeat(65)), undefined);
  t.equal(plainDisplayName(`  ${'x'.repeat(64)}  `), 'x'.repeat(64), 'counted after trimming');
});

t.test('an unreadable From is left alone, and our identity is still asserted', async (t) => {
  const request = new SipRequest(
    'INVITE',
    'sip:0312340101@ss.test',
    new Headers([
      ['From', '<bad'],
      ['To', '<sip:0312340101@ss.test>'],
      ['P-Asserted-Identity', '<sip:0399998888@ss.test>'],
    ]),
  );
  t.doesNotThrow(() => assertCallerIdentity(request, { number: '0312345678', domain: 'ss.test', withhold: false, trustedNextHop: false }));
  t.equal(request.headers.get('from'), '<bad');
  t.same(request.headers.getAll('p-asserted-identity'), ['<sip:0312345678@ss.test;user=phone>']);
});
