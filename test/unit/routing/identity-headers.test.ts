import t from 'tap';
import { Headers, SipRequest } from '../../../src/core/messages/index.js';
import { addDiversion, assertCallerIdentity, stripAssertedIdentityIfPrivate, withUser } from '../../../src/routing/identity-headers.js';

function invite(extra: Array<[string, string]> = []): SipRequest {
  return new SipRequest('INVITE', 'sip:0312340101@ss.test', new Headers([
    ['From', '"Reception" <sip:0312345678@ss.test>;tag=abc'],
    ['To', '<sip:0312340101@ss.test>'],
    ...extra,
  ]));
}

t.test('presented: From and PAI carry the presented number', async (t) => {
  const r = invite([['P-Preferred-Identity', '<sip:0999@x>'], ['Privacy', 'none']]);
  assertCallerIdentity(r, { number: '0120123456', domain: 'ss.test', withhold: false, trustedNextHop: false });
  t.match(r.headers.get('from'), /^"Reception" <sip:0120123456@ss\.test;user=phone>;tag=abc$/);
  t.equal(r.headers.get('p-asserted-identity'), '<sip:0120123456@ss.test;user=phone>');
  t.equal(r.headers.get('p-preferred-identity'), undefined);
  t.equal(r.headers.get('privacy'), undefined);
});

t.test('withheld: anonymous From, Privacy: id, PAI only to trusted next hops (RFC 3325)', async (t) => {
  const toTrunk = invite();
  assertCallerIdentity(toTrunk, { number: '0312345678', domain: 'ss.test', withhold: true, trustedNextHop: false });
  t.match(toTrunk.headers.get('from'), /^"Anonymous" <sip:anonymous@anonymous\.invalid>;tag=abc$/);
  t.equal(toTrunk.headers.get('privacy'), 'id');
  t.equal(toTrunk.headers.get('p-asserted-identity'), undefined);
  const toPeer = invite();
  assertCallerIdentity(toPeer, { number: '0312345678', domain: 'ss.test', withhold: true, trustedNextHop: true });
  t.equal(toPeer.headers.get('p-asserted-identity'), '<sip:0312345678@ss.test;user=phone>');
});

t.test('a private PAI from a peer is dropped towards a trunk', async (t) => {
  const r = invite([['P-Asserted-Identity', '<sip:0312345678@peer>'], ['Privacy', 'id']]);
  stripAssertedIdentityIfPrivate(r);
  t.equal(r.headers.get('p-asserted-identity'), undefined);
  const open = invite([['P-Asserted-Identity', '<sip:0312345678@peer>']]);
  stripAssertedIdentityIfPrivate(open);
  t.ok(open.headers.get('p-asserted-identity'));
});

t.test('Diversion: most recent first, with reasons (RFC 5806)', async (t) => {
  const r = invite([['Diversion', '<sip:stale@x>']]);
  addDiversion(r, [
    { from: '0311111111', to: '0322222222', reason: 'unconditional' },
    { from: '0322222222', to: '0333333333', reason: 'user-busy' },
  ], 'ss.test');
  t.same(r.headers.getAll('diversion'), [
    '<sip:0322222222@ss.test;user=phone>;reason=user-busy;counter=1',
    '<sip:0311111111@ss.test;user=phone>;reason=unconditional;counter=1',
  ]);
});

t.test('withUser keeps host, port and parameters', async (t) => {
  t.equal(withUser('sip:pbx@10.0.0.1:5070;transport=tcp', '0312345678'), 'sip:0312345678@10.0.0.1:5070;transport=tcp');
  t.equal(withUser('tel:+81312345678', '0312345678'), 'tel:+81312345678');
});
