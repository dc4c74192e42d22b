import t from 'tap';
import { classifyDialled, cleanDialled, isEmergency, nationalLength, stripPresentationPrefix } from '../../../src/numbers/dialled.js';

t.test('emergency numbers', async (t) => {
  for (const n of ['110', '118', '119']) {
    t.same(classifyDialled(n), { kind: 'emergency', number: n });
    t.ok(isEmergency(n));
  }
  t.notOk(isEmergency('117'));
  t.notOk(isEmergency('1100'));
  t.same(classifyDialled('1-1-0'), { kind: 'emergency', number: '110' }, 'separators do not matter');
  t.same(classifyDialled('11'), { kind: 'incomplete', number: '11' }, 'a prefix of an emergency number');
  t.same(classifyDialled('104'), { kind: 'invalid', input: '104' }, 'other 1XY service numbers are not routed');
  t.same(classifyDialled('1100'), { kind: 'invalid', input: '1100' });
});

t.test('national numbers, with separators', async (t) => {
  t.same(classifyDialled('0312345678'), { kind: 'national', number: '0312345678' });
  t.same(classifyDialled('03-1234-5678'), { kind: 'national', number: '0312345678' });
  t.same(classifyDialled('(03) 1234.5678'), { kind: 'national', number: '0312345678' });
  t.same(classifyDialled('090-1234-5678'), { kind: 'national', number: '09012345678' });
  t.same(classifyDialled('05012345678'), { kind: 'national', number: '05012345678' });
  t.same(classifyDialled('0120123456'), { kind: 'national', number: '0120123456' }, 'toll-free 0120: 10 digits');
  t.same(classifyDialled('0570123456'), { kind: 'national', number: '0570123456' }, 'navi-dial: 10 digits');
  t.same(classifyDialled('08001234567'), { kind: 'national', number: '08001234567' }, 'toll-free 0800: 11 digits');
  t.same(classifyDialled('0990123456'), { kind: 'national', number: '0990123456' });
});

t.test('E.164 input', async (t) => {
  t.same(classifyDialled('+81312345678'), { kind: 'national', number: '0312345678' });
  t.same(classifyDialled('+81-90-1234-5678'), { kind: 'national', number: '09012345678' });
  t.same(classifyDialled('+81(0)312345678'), { kind: 'national', number: '0312345678' });
  t.same(classifyDialled('+12125550100'), { kind: 'international', number: '01012125550100' });
  t.same(classifyDialled('%2B442079460958'), { kind: 'international', number: '010442079460958' }, '%-escaped +');
  t.same(classifyDialled('+8131234'), { kind: 'incomplete', number: '031234' });
  t.same(classifyDialled('+81'), { kind: 'incomplete', number: '+81' });
  t.equal(classifyDialled('+0123456789').kind, 'invalid', 'country codes never start with 0');
  t.equal(classifyDialled('+1234567890123456').kind, 'invalid', 'over 15 digits');
  t.equal(classifyDialled('+81abc').kind, 'invalid');
});

t.test('international numbers with 010', async (t) => {
  t.same(classifyDialled('010-1-212-555-0100'), { kind: 'international', number: '01012125550100' });
  t.same(classifyDialled('010442079460958'), { kind: 'international', number: '010442079460958' });
  t.same(classifyDialled('0101212'), { kind: 'incomplete', number: '0101212' });
  t.same(classifyDialled('010'), { kind: 'incomplete', number: '010' });
  t.equal(classifyDialled('0100123456789').kind, 'invalid');
  t.equal(classifyDialled('0101234567890123456').kind, 'invalid');
});

t.test('incomplete national numbers (484)', async (t) => {
  for (const n of ['0', '03', '031234', '031234567', '0901234567', '0120-12345', '0800123456']) {
    t.equal(classifyDialled(n).kind, 'incomplete', n);
  }
});

t.test('invalid input (404)', async (t) => {
  for (const n of ['', 'alice', '#31', '*67', '0012345678', '00331234567', '03123456789', '090123456789', '2000', '3', '03-1234-567a']) {
    t.same(classifyDialled(n), { kind: 'invalid', input: n }, JSON.stringify(n));
  }
});

t.test('URI user parameters and tel: prefixes are ignored', async (t) => {
  t.same(classifyDialled('0312345678;phone-context=example.com'), { kind: 'national', number: '0312345678' });
  t.same(classifyDialled('tel:+81312345678'), { kind: 'national', number: '0312345678' });
  t.equal(cleanDialled(' 03-1234-5678 '), '0312345678');
});

t.test('nationalLength by range', async (t) => {
  t.equal(nationalLength('03'), 10);
  t.equal(nationalLength('0120'), 10);
  t.equal(nationalLength('050'), 11);
  t.equal(nationalLength('020'), 11);
  t.equal(nationalLength('090'), 11);
  t.equal(nationalLength('0570'), 10);
});

t.test('184 / 186 presentation prefixes', async (t) => {
  t.same(stripPresentationPrefix('1840312345678'), { digits: '0312345678', presentation: 'withhold' });
  t.same(stripPresentationPrefix('186-03-1234-5678'), { digits: '0312345678', presentation: 'present' });
  t.same(stripPresentationPrefix('184+12125550100'), { digits: '+12125550100', presentation: 'withhold' });
  t.same(stripPresentationPrefix('184110'), { digits: '110', presentation: 'withhold' });
  t.same(stripPresentationPrefix('184'), { digits: '184' }, 'a bare 184 is left alone');
  t.same(stripPresentationPrefix('186'), { digits: '186' });
  t.same(stripPresentationPrefix('0312345678'), { digits: '0312345678' });
  t.same(stripPresentationPrefix('185031'), { digits: '185031' }, 'only 184 and 186');
  t.same(stripPresentationPrefix('184abc'), { digits: '184abc' }, 'not followed by a number');
});
