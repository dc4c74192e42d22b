import t, { type Test } from 'tap';
import { checkForwardingDestination } from '../../../src/numbers/forwarding-destination.js';

const OWN = '0312345678';

function accepted(t: Test, input: string, number: string): void {
  t.same(checkForwardingDestination(input, OWN), { ok: true, number }, `accepts ${input}`);
}

function refused(t: Test, input: string, pattern: RegExp): void {
  const r = checkForwardingDestination(input, OWN);
  t.equal(r.ok, false, `refuses ${input}`);
  if (!r.ok) t.match(r.message, pattern, `message for ${input}`);
}

t.test('accepted destinations', async (t) => {
  accepted(t, '0612345678', '0612345678'); // fixed with area code
  accepted(t, '06-1234-5678', '0612345678'); // hyphens allowed
  accepted(t, '011-123-4567', '0111234567');
  accepted(t, '06-6123-4567', '0661234567'); // 0ABJ IP phones look like fixed numbers: 0 + 9 digits
  accepted(t, '050-1234-5678', '05012345678'); // 050 IP phone
  accepted(t, '070-1234-5678', '07012345678');
  accepted(t, '080-1234-5678', '08012345678');
  accepted(t, '090-1234-5678', '09012345678');
  accepted(t, '010-1-212-555-0100', '01012125550100');
  accepted(t, '+1 212 555 0100', '01012125550100');
  accepted(t, '+81-6-1234-5678', '0612345678');
});

t.test('refused destinations, each with a clear message', async (t) => {
  refused(t, '0033-1-212-555-0100', /Carrier-selection prefixes \(00XY\)/);
  refused(t, '0041234567890', /Carrier-selection/);
  for (const n of ['104', '115', '117', '177', '110']) refused(t, n, new RegExp(`Service numbers such as ${n} \\(1XY\\)`));
  refused(t, '0120-123-456', /0120/);
  refused(t, '0800-123-4567', /0800/);
  refused(t, '0570-123-456', /0570/);
  refused(t, '0990-123-456', /0990/);
  refused(t, '020-1234-5678', /020 range/);
  refused(t, '030-1234-5678', /030 range/);
  refused(t, '040-1234-5678', /040 range/);
  refused(t, '060-1234-5678', /060 range/);
  refused(t, '050-3300-1234', /050-3300/);
  refused(t, '#0312345678', /starting with #/);
  refused(t, '#31#0312345678', /starting with #/);
  refused(t, '2001', /Extensions/);
  refused(t, '12', /Extensions/);
  refused(t, '03-1234-5678', /itself/);
  refused(t, '+81312345678', /itself/);
  refused(t, '0'.repeat(33), /at most 32 digits/);
  refused(t, '1'.repeat(33), /at most 32 digits/);
});

t.test('malformed destinations', async (t) => {
  refused(t, '', /required/);
  refused(t, '03-1234-567a', /Only digits and hyphens/);
  refused(t, '090-1234-567', /11 digits/);
  refused(t, '050-1234-567', /11 digits/);
  refused(t, '06-1234-567', /10 digits/);
  refused(t, '06-1234-56789', /10 digits/);
  refused(t, '0100123456', /international/);
  refused(t, '312345678', /must start with 0/);
  refused(t, '+0123', /E\.164/);
});

t.test('050 other than 050-3300 stays accepted', async (t) => {
  accepted(t, '050-3301-1234', '05033011234');
  accepted(t, '050-3000-1234', '05030001234');
});

t.test('an international destination may carry a carrier prefix (00XY-010…); the prefix is dropped', async (t) => {
  accepted(t, '0033-010-1-212-555-0100', '01012125550100');
  accepted(t, '0041 010 44 20 7946 0018', '010442079460018');
  refused(t, '0033-03-1234-5678', /Carrier-selection prefixes \(00XY\)/); // domestic after a carrier prefix: still refused
  refused(t, '0033-010-0-1234', /international/); // 010 must be followed by a country code
  refused(t, '00331-010-1-212-555-0100', /Carrier-selection/); // only a four-digit 00XY
});

t.test('the voice-mail platform is a destination', async (t) => {
  accepted(t, 'voicemail', 'voicemail');
  accepted(t, ' VoiceMail ', 'voicemail');
  refused(t, 'voicemail2', /Only digits/);
});

t.test('toll-free and navi-dial destinations only with the toll-free forwarding option', async (t) => {
  const on = { tollFree: true };
  t.same(checkForwardingDestination('0120-123-456', OWN, on), { ok: true, number: '0120123456' });
  t.same(checkForwardingDestination('0800-123-4567', OWN, on), { ok: true, number: '08001234567' });
  t.same(checkForwardingDestination('0570-123-456', OWN, on), { ok: true, number: '0570123456' });
  t.match(checkForwardingDestination('0120-123-4567', OWN, on), { ok: false, message: /10 digits/ });
  t.match(checkForwardingDestination('0990-123-456', OWN, on), { ok: false, message: /0990/ }, 'premium rate stays refused');
  t.match(checkForwardingDestination('0120-123-456', OWN, { tollFree: false }), { ok: false, message: /toll-free forwarding option/ });
  t.match(checkForwardingDestination('0120-123-456', '0120123456', on), { ok: false, message: /itself/ });
});
