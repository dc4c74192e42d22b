// Edges of the number rules that mutation testing found unguarded (docs/testing.md):
// anchors of the patterns, prefixes that must be prefixes (not suffixes), and
// the boundaries of the lengths.
import t, { type Test } from 'tap';
import { classifyDialled, cleanDialled, nationalLength, stripPresentationPrefix } from '../../../src/numbers/dialled.js';
import { checkForwardingDestination, isTollFreeNumber } from '../../../src/numbers/forwarding-destination.js';
import { isGeographicNumber, isInternationalNumber, isNationalNumber, normalizeNumber } from '../../../src/numbers/national.js';

const OWN = '0312345678';

function accepted(t: Test, input: string, number: string, options = {}): void {
  t.same(checkForwardingDestination(input, OWN, options), { ok: true, number }, `accepts ${input}`);
}

function refused(t: Test, input: string, pattern: RegExp, options = {}): void {
  const r = checkForwardingDestination(input, OWN, options);
  t.equal(r.ok, false, `refuses ${input}`);
  if (!r.ok) t.match(r.message, pattern, `message for ${input}`);
}

t.test('national.ts: the stored forms are anchored at both ends', async (t) => {
  t.notOk(isNationalNumber('a0312345678'), 'text before');
  t.notOk(isNationalNumber('0312345678a'), 'text after');
  t.ok(isNationalNumber('0312345010'), 'a national number may end in 010');
  t.notOk(isInternationalNumber('x01012125550100'));
  t.notOk(isInternationalNumber('01012125550100x'));
  t.ok(isInternationalNumber('0101234567'), 'country code + 6 digits: the shortest');
  t.notOk(isInternationalNumber('010123456'), 'one digit fewer');
  t.ok(isInternationalNumber(`010${'1'.repeat(15)}`), '15 digits: the longest E.164');
  t.notOk(isInternationalNumber(`010${'1'.repeat(16)}`));
});

t.test('national.ts: normalizeNumber edges', async (t) => {
  t.equal(normalizeNumber('+1212555081'), '0101212555081', 'an E.164 number ending in 81 is not Japanese');
  t.equal(normalizeNumber('+81312345670'), '0312345670', 'only a leading trunk 0 is dropped');
  t.equal(normalizeNumber('\t03\t1234\t5678'), '0312345678', 'tabs are separators');
});

t.test('national.ts: geographic numbers are exactly 10 digits from the start', async (t) => {
  t.notOk(isGeographicNumber('03123456789'), '11 digits');
  t.notOk(isGeographicNumber('a0312345678'));
  t.notOk(isGeographicNumber('0012345678'));
  t.ok(isGeographicNumber('0312340120'), 'a geographic number may contain 0120 after its area code');
});

t.test('dialled.ts: cleanDialled', async (t) => {
  t.equal(cleanDialled(';cpc=ordinary'), '', 'parameters from the first character on are dropped');
  t.equal(cleanDialled('TEL:0312345678'), '0312345678', 'the tel: scheme in any case');
  t.equal(cleanDialled(' tel:0312345678'), '0312345678', 'blanks before the scheme');
  t.equal(cleanDialled('0312345678;x=tel:1'), '0312345678', 'tel: only as a prefix');
});

t.test('dialled.ts: prefixes are prefixes, not suffixes', async (t) => {
  t.same(classifyDialled('1'), { kind: 'incomplete', number: '1' }, 'a prefix of 110');
  t.same(classifyDialled('0312345671'), { kind: 'national', number: '0312345671' }, 'ends in 1');
  t.same(classifyDialled('0312345010'), { kind: 'national', number: '0312345010' }, 'ends in 010');
  t.same(classifyDialled('0312345600'), { kind: 'national', number: '0312345600' }, 'ends in 00');
  t.same(classifyDialled('0101210'), { kind: 'incomplete', number: '0101210' }, 'an international number ending in 0');
  t.same(classifyDialled('+1212555081'), { kind: 'international', number: '0101212555081' });
  t.same(classifyDialled('+81312345670'), { kind: 'national', number: '0312345670' });
  t.same(classifyDialled('+81312345610'), { kind: 'national', number: '0312345610' });
  t.equal(nationalLength('0312345020'), 10, 'only the first three digits choose the length');
  t.equal(nationalLength('0101234567'), 10);
});

t.test('dialled.ts: digits only, from the first to the last character', async (t) => {
  t.same(classifyDialled('0a12345678'), { kind: 'invalid', input: '0a12345678' });
  t.same(classifyDialled('+a1212'), { kind: 'invalid', input: '+a1212' });
  t.same(classifyDialled('+81101234567'), { kind: 'invalid', input: '+81101234567' }, '+81 10… would be our 010 prefix');
  t.same(classifyDialled('+810031234567'), { kind: 'invalid', input: '+810031234567' }, 'only one trunk 0 is dropped');
});

t.test('dialled.ts: 184 / 186 need digits after them, and only as a prefix', async (t) => {
  t.same(stripPresentationPrefix('184abc1'), { digits: '184abc1' });
  t.same(stripPresentationPrefix('1840312a'), { digits: '1840312a' });
  t.same(stripPresentationPrefix('1860312345184'), { digits: '0312345184', presentation: 'present' });
  t.same(stripPresentationPrefix('1850312345186'), { digits: '1850312345186' });
});

t.test('forwarding-destination.ts: E.164 input', async (t) => {
  refused(t, '+81-3-1234-567a', /Only digits/);
  refused(t, `+${'1'.repeat(33)}`, /at most 32 digits/);
  refused(t, `+${'1'.repeat(32)}`, /E\.164/, {});
  refused(t, 'x0612345678', /Only digits/);
  refused(t, '0'.repeat(32), /Carrier-selection/, {});
  t.match(checkForwardingDestination('03-1234-5678', '+81 3 1234 5678'), { ok: false, message: /itself/ }, 'own number in E.164');
});

t.test('forwarding-destination.ts: short numbers', async (t) => {
  refused(t, '2100', /Extensions/);
  refused(t, '1001', /Extensions/);
  refused(t, '23456789', /Extensions/);
  refused(t, '234567891', /must start with 0/);
});

t.test('forwarding-destination.ts: ranges are matched at the start only', async (t) => {
  accepted(t, '010-1-200-33-0101', '0101200330101');
  accepted(t, '06-1234-5010', '0612345010');
  accepted(t, '06-1234-5600', '0612345600');
  accepted(t, '03-1050-3300', '0310503300');
  accepted(t, '06-1234-0120', '0612340120');
  accepted(t, '03-1207-0123', '0312070123');
  accepted(t, '06-1234-5050', '0612345050');
  refused(t, '050-1234-567', /IP-phone numbers \(050\)/);
  refused(t, '070-1234-567', /Mobile numbers/);
});

t.test('forwarding-destination.ts: toll-free lengths', async (t) => {
  const on = { tollFree: true };
  accepted(t, '03-1201-2012', '0312012012', on);
  refused(t, '0120-0120-123456', /10 digits/, on);
  refused(t, '0570-123-4567', /10 digits/, on);
  refused(t, '0800-123-456', /10 digits/, on);
  t.ok(isTollFreeNumber('0120123456'));
  t.ok(isTollFreeNumber('08001234567'));
  t.ok(isTollFreeNumber('0570123456'));
  t.notOk(isTollFreeNumber('x0120123456'));
  t.notOk(isTollFreeNumber('01201234567'));
});
