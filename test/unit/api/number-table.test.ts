import t from 'tap';
import { NUMBER_COLUMNS, numberInfoCsv, numberPrefix, type NumberInfo } from '../../../src/api/number-table.js';
import { defaultFeatures } from '../../../src/features/settings.js';

// Number information as CSV (docs/product.md §6): the columns, one row per number, nothing beyond the named fields.

const info = (over: Partial<NumberInfo> = {}): NumberInfo => ({
  number: '0311110001',
  kind: 'basic',
  line: { sipId: 'line-a1', siteId: '1000001', voiceGroupId: 'VG1', auth: 'digest', channels: 4, basicNumber: '0311110001' },
  huntGroup: null,
  bulkGroup: null,
  features: defaultFeatures('0311110001'),
  ...over,
});

t.test('one header line, then one row per number with its line, groups and settings', async (t) => {
  const f = defaultFeatures('0311110002');
  const csv = numberInfoCsv([
    info(),
    info({
      number: '0311110002',
      kind: 'dial-in',
      huntGroup: 'HG1',
      bulkGroup: 'BG1',
      features: {
        ...f,
        blockedCallers: ['0612345678', '0698765432'],
        internationalBar: true,
        specificPresentation: { number: '0120123456', enabled: true },
        forwarding: { ...f.forwarding, enabled: true, busy: true, ringTime: 20, destinations: ['0312349999', null, null, null, '0312348888'] },
      },
    }),
  ]);
  const lines = csv.split('\r\n');
  t.equal(lines[0], NUMBER_COLUMNS.join(','));
  t.equal(lines[1], '0311110001,basic,VG1,1000001,line-a1,digest,4,0311110001,,,present,,false,false,false,false,,false,false,false,false,false,15,1,,,,,,0');
  t.equal(
    lines[2],
    '0311110002,dial-in,VG1,1000001,line-a1,digest,4,0311110001,HG1,BG1,present,0120123456,true,false,true,false,0612345678 0698765432,true,false,true,false,false,20,1,0312349999,,,,0312348888,0',
  );
  t.equal(lines.length, 4, 'a final CRLF');
});

t.test('nothing but the named columns: a line record with HA1 does not leak it', async (t) => {
  const withSecrets = info();
  Object.assign(withSecrets.line, { ha1Md5: 'f'.repeat(32), ha1Sha256: 'e'.repeat(64), realm: 'r', password: 'pw-123' });
  const csv = numberInfoCsv([withSecrets]);
  t.notMatch(csv, /fff|eee|pw-123|ha1|password/i);
});

t.test('cells that would be spreadsheet formulas are written as text', async (t) => {
  const csv = numberInfoCsv([info({ bulkGroup: '-A1', huntGroup: '@x' })]);
  t.match(csv, /,'@x,'-A1,/);
});

t.test('a prefix is digits (hyphens and spaces dropped), at most 11', async (t) => {
  t.equal(numberPrefix('03-1111'), '031111');
  t.equal(numberPrefix(''), '');
  t.equal(numberPrefix('03*'), null);
  t.equal(numberPrefix('0312345678901'), null);
});
