// How the caller's identity came in, edges (docs/product.md §4.1, §4.2): the first
// asserted identity with a number is the number, a "payphone" display name is
// a payphone (not withheld), Privacy tokens in any case and with empty parts,
// and no number key when none can be read.
import t from 'tap';
import { identifyCaller, privacyTokens } from '../../../src/features/caller-identity.js';

t.test('the first asserted identity with a number wins over later entries', async (t) => {
  const r = identifyCaller({ from: '<sip:0611111111@peer.example>;tag=1', privacy: [], assertedIdentity: '<tel:+81698765432>, <sip:alice@peer.example>' });
  t.same(r, { identity: 'presented', number: '0698765432' }, 'a later entry without a number does not erase it');
  const two = identifyCaller({ from: '<sip:0611111111@peer.example>;tag=1', privacy: [], assertedIdentity: '<tel:+81698765432>, <tel:+81655555555>' });
  t.equal(two.number, '0698765432');
});

t.test('a "payphone" display name is a payphone, not withheld', async (t) => {
  t.same(identifyCaller({ from: '"Payphone" <sip:0612345678@peer.example>;tag=1', privacy: ['id'] }), { identity: 'payphone', number: '0612345678' });
  t.same(identifyCaller({ from: '"COIN LINE/PAYPHONE" <sip:0612345678@peer.example>;tag=1', privacy: [] }), { identity: 'payphone', number: '0612345678' });
});

t.test('a quoted display name is read without the blanks around it', async (t) => {
  t.equal(identifyCaller({ from: '" Payphone " <sip:0612345678@peer.example>;tag=1', privacy: [] }).identity, 'payphone');
  t.equal(identifyCaller({ from: '" Unavailable " <sip:unknown@peer.example>;tag=1', privacy: [] }).identity, 'unavailable');
});

t.test('Privacy tokens are matched in any case and spacing', async (t) => {
  t.equal(identifyCaller({ from: '<sip:0612345678@peer.example>;tag=1', privacy: [' ID '] }).identity, 'withheld');
  t.equal(identifyCaller({ from: '<sip:0612345678@peer.example>;tag=1', privacy: ['User'] }).identity, 'withheld');
});

t.test('privacyTokens: empty parts are no tokens', async (t) => {
  t.same(privacyTokens(['id;', ';user', ' ; ', '']), ['id', 'user']);
  t.same(privacyTokens(['none,  ID']), ['none', 'id']);
});

t.test('no readable number: the result has no number at all', async (t) => {
  t.strictSame(identifyCaller({ from: '<sip:alice@example.com>;tag=1', privacy: ['id'] }), { identity: 'withheld' });
  t.strictSame(identifyCaller({ from: '<sip:unavailable@example.com>;tag=1', privacy: [] }), { identity: 'unavailable' });
});
