import t from 'tap';
import { isGeographicNumber, isInternationalNumber, isNationalNumber, normalizeNumber } from '../../src/numbers/national.js';

t.test('national numbers pass through and lose separators', async (t) => {
  t.equal(normalizeNumber('0312345678'), '0312345678');
  t.equal(normalizeNumber('03-1234-5678'), '0312345678');
  t.equal(normalizeNumber(' 090 1234 5678 '), '09012345678');
  t.equal(normalizeNumber('(03) 1234-5678'), '0312345678');
  t.equal(normalizeNumber('050-1234-5678'), '05012345678');
});

t.test('E.164 with +81 becomes national', async (t) => {
  t.equal(normalizeNumber('+81312345678'), '0312345678');
  t.equal(normalizeNumber('+81 90-1234-5678'), '09012345678');
  t.equal(normalizeNumber('+81 (0)3 1234 5678'), '0312345678', 'the bracketed trunk prefix is dropped');
  t.equal(normalizeNumber('+8131234'), null, 'too short');
});

t.test('other country codes become 010 international', async (t) => {
  t.equal(normalizeNumber('+1 212 555 0100'), '01012125550100');
  t.equal(normalizeNumber('+44 20 7946 0958'), '010442079460958');
  t.equal(normalizeNumber('01012125550100'), '01012125550100', 'already international');
  t.equal(normalizeNumber('+0123456789'), null, 'country codes never start with 0');
  t.equal(normalizeNumber('+1234567890123456'), null, 'over 15 digits');
});

t.test('junk is null', async (t) => {
  for (const junk of ['', 'abc', '03-1234-567a', '031234567', '031234567890', '0012345678', '110', '+', '+81abc', '#0312345678']) {
    t.equal(normalizeNumber(junk), null, JSON.stringify(junk));
  }
});

t.test('isNationalNumber / isInternationalNumber', async (t) => {
  t.ok(isNationalNumber('0312345678'));
  t.ok(isNationalNumber('09012345678'));
  t.notOk(isNationalNumber('03-1234-5678'), 'stored form has no separators');
  t.notOk(isNationalNumber('0101234567'), '010 is the international prefix');
  t.notOk(isNationalNumber('0012345678'));
  t.notOk(isNationalNumber('312345678'));
  t.ok(isInternationalNumber('01012125550100'));
  t.notOk(isInternationalNumber('0312345678'));
});

t.test('geographic numbers: 0 + area code, 10 digits (what emergency calls need)', async (t) => {
  for (const n of ['0312345678', '0612345678', '0111234567', '0123456789', '0471234567']) t.ok(isGeographicNumber(n), n);
  for (const n of [
    '05012345678',
    '0501234567',
    '09012345678',
    '0120123456',
    '0570123456',
    '0990123456',
    '0180123456',
    '0170123456',
    '0101234567',
    '031234567',
    '110',
  ])
    t.notOk(isGeographicNumber(n), n);
});
