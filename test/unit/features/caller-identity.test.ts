import t from 'tap';
import { identifyCaller, privacyTokens } from '../../../src/features/caller-identity.js';

t.test('a presented number from From (sip and tel), normalized', async (t) => {
  t.same(identifyCaller({ from: '<sip:0612345678@peer.example>;tag=1', privacy: [] }), { identity: 'presented', number: '0612345678' });
  t.same(identifyCaller({ from: '"Osaka" <sip:+81612345678@peer.example;user=phone>;tag=1', privacy: [] }), { identity: 'presented', number: '0612345678' });
  t.same(identifyCaller({ from: '<tel:+81-6-1234-5678>;tag=1', privacy: ['none'] }), { identity: 'presented', number: '0612345678' });
  t.same(identifyCaller({ from: '<sip:+12125550100@peer.example>;tag=1', privacy: [] }), { identity: 'presented', number: '01012125550100' });
});

t.test('PAI wins over From for the number', async (t) => {
  const r = identifyCaller({ from: '<sip:0612345678@peer.example>;tag=1', privacy: [], assertedIdentity: '<sip:0698765432@peer.example>' });
  t.same(r, { identity: 'presented', number: '0698765432' });
  const list = identifyCaller({ from: '<sip:x@peer.example>;tag=1', privacy: [], assertedIdentity: '"A" <sip:alice@peer.example>, <tel:+81698765432>' });
  t.same(list, { identity: 'presented', number: '0698765432' }, 'first PAI entry with a number');
  const unreadable = identifyCaller({ from: '<sip:0612345678@peer.example>;tag=1', privacy: [], assertedIdentity: '<sip:alice@peer.example>' });
  t.equal(unreadable.number, '0612345678', 'falls back to From when PAI has no number');
});

t.test('no readable number is still presented (nothing withheld)', async (t) => {
  t.same(identifyCaller({ from: '<sip:alice@example.com>;tag=1', privacy: [] }), { identity: 'presented' });
  t.same(identifyCaller({ from: 'garbage', privacy: [] }), { identity: 'presented' });
});

t.test('withheld: anonymous From or Privacy id/user', async (t) => {
  t.same(identifyCaller({ from: '"Anonymous" <sip:anonymous@anonymous.invalid>;tag=1', privacy: [] }), { identity: 'withheld' });
  t.same(identifyCaller({ from: '<sip:ANONYMOUS@peer.example>;tag=1', privacy: [] }), { identity: 'withheld' }, 'user, any case');
  t.same(identifyCaller({ from: '<sip:someone@Anonymous.Invalid>;tag=1', privacy: [] }), { identity: 'withheld' }, 'host, any case');
  t.same(
    identifyCaller({ from: '<sip:anonymous@anonymous.invalid>;tag=1', privacy: ['id'], assertedIdentity: '<sip:0612345678@peer.example>' }),
    { identity: 'withheld', number: '0612345678' },
    'the asserted number is kept for block lists',
  );
  t.same(identifyCaller({ from: '<sip:0612345678@peer.example>;tag=1', privacy: ['id'] }), { identity: 'withheld', number: '0612345678' });
  t.same(identifyCaller({ from: '<sip:0612345678@peer.example>;tag=1', privacy: ['user'] }), { identity: 'withheld', number: '0612345678' });
  t.same(identifyCaller({ from: '<sip:0612345678@peer.example>;tag=1', privacy: ['header'] }).identity, 'presented', 'Privacy: header alone hides no identity');
  t.same(identifyCaller({ from: '<sip:0612345678@peer.example>;tag=1', privacy: ['none'] }).identity, 'presented');
});

t.test('unavailable is not withheld', async (t) => {
  t.same(identifyCaller({ from: '<sip:unavailable@peer.example>;tag=1', privacy: [] }), { identity: 'unavailable' });
  t.same(identifyCaller({ from: '"UNAVAILABLE" <sip:unknown@peer.example>;tag=1', privacy: [] }), { identity: 'unavailable' });
  t.same(
    identifyCaller({ from: '"Unavailable" <sip:anonymous@anonymous.invalid>;tag=1', privacy: ['id'] }),
    { identity: 'unavailable' },
    'wins over anonymous',
  );
  t.same(
    identifyCaller({ from: '"Unavailable" <sip:0612345678@peer.example>;tag=1', privacy: [] }),
    { identity: 'presented', number: '0612345678' },
    'an "Unavailable" display with a number is just a display name',
  );
});

t.test('payphone (cpc=payphone) is not withheld', async (t) => {
  t.same(identifyCaller({ from: '<tel:+81612345678;cpc=payphone>;tag=1', privacy: [] }), { identity: 'payphone', number: '0612345678' });
  t.same(
    identifyCaller({ from: '<sip:+81612345678;cpc=payphone@peer.example;user=phone>;tag=1', privacy: ['id'] }),
    { identity: 'payphone', number: '0612345678' },
    'cpc inside the user part of a user=phone SIP URI',
  );
  t.same(
    identifyCaller({ from: '<sip:anonymous@anonymous.invalid>;tag=1', privacy: ['id'], assertedIdentity: '<tel:+81612345678;cpc=PAYPHONE>' }),
    { identity: 'payphone', number: '0612345678', payphoneAsserted: true },
    'cpc on PAI, any case: asserted',
  );
  t.same(identifyCaller({ from: '"Coin line/payphone" <sip:anonymous@anonymous.invalid>;tag=1', privacy: [] }), { identity: 'payphone' });
  t.equal(identifyCaller({ from: '<tel:+81612345678;cpc=ordinary>;tag=1', privacy: [] }).identity, 'presented');
});

t.test('only cpc=payphone on the asserted identity counts as asserted', async (t) => {
  const fromOnly = identifyCaller({ from: '<tel:+81612345678;cpc=payphone>;tag=1', privacy: [], assertedIdentity: '<tel:+81612345678>' });
  t.equal(fromOnly.identity, 'payphone', 'still not withheld');
  t.notOk(fromOnly.payphoneAsserted, 'a From marker is not an assertion');
  t.notOk(identifyCaller({ from: '"payphone" <sip:0612345678@peer.example>;tag=1', privacy: [] }).payphoneAsserted, 'nor a display name');
  t.equal(
    identifyCaller({ from: '<sip:0612345678@peer.example>;tag=1', privacy: [], assertedIdentity: '<sip:+81612345678;cpc=payphone@peer.example;user=phone>' })
      .payphoneAsserted,
    true,
    'cpc in the user part of a user=phone PAI',
  );
});

t.test('privacyTokens', async (t) => {
  t.same(privacyTokens(['id; header', 'User']), ['id', 'header', 'user']);
  t.same(privacyTokens([]), []);
});
