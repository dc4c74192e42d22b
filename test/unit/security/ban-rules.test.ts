import t from 'tap';
import { banReason, servedWhileBanned, type BindingSource } from '../../../src/security/ban-rules.js';

const limits = { maxFailures: 50, sipIdMaxFailures: 50, targetedMaxFailures: 5 };

t.test('a source is banned after more than maxFailures in the window', async (t) => {
  t.equal(banReason({ source: 50, sipId: 50 }, limits), null, '50 failures: still allowed');
  t.equal(banReason({ source: 51, sipId: 1 }, limits), 'too many failed authentications', 'the 51st bans');
});

t.test('distributed guessing: sources failing for a targeted SIP-ID are banned sooner', async (t) => {
  t.equal(banReason({ source: 6, sipId: 50 }, limits), null, 'the SIP-ID is not under attack yet');
  t.equal(banReason({ source: 5, sipId: 500 }, limits), null, 'a few failures are forgiven even then');
  t.equal(banReason({ source: 6, sipId: 51 }, limits), 'guessing a targeted SIP-ID');
});

const trunk: BindingSource = { transport: 'UDP', address: '192.0.2.10', port: 5060, sipId: 'pbx-tokyo', expiresAt: 2_000 };

t.test('the trunk keeps being served from its own binding endpoint while its address is banned', async (t) => {
  const from = { transport: 'UDP', address: '192.0.2.10', port: 5060 };
  t.ok(servedWhileBanned(from, 'pbx-tokyo', [trunk], 1_000), 'its own SIP-ID from its own endpoint');
  t.ok(servedWhileBanned(from, undefined, [trunk], 1_000), 'no credentials yet: it only gets a challenge');
  t.notOk(servedWhileBanned(from, 'gw-osaka', [trunk], 1_000), 'another SIP-ID from that endpoint is not');
  t.notOk(servedWhileBanned({ ...from, port: 5062 }, 'pbx-tokyo', [trunk], 1_000), 'another port at the address (a guesser behind the same NAT)');
  t.notOk(servedWhileBanned({ ...from, transport: 'TCP' }, 'pbx-tokyo', [trunk], 1_000), 'another transport');
  t.notOk(servedWhileBanned(from, 'pbx-tokyo', [trunk], 2_000), 'once the binding has expired');
  t.notOk(servedWhileBanned(from, 'pbx-tokyo', [], 1_000), 'no binding there at all');
});
