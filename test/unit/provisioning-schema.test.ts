import t from 'tap';
import { parseProvisioning, ProvisioningError } from '../../src/provisioning/schema.js';

type Obj = Record<string, unknown>;
const digest = (over: Obj = {}): Obj => ({ sipId: 'pbx-1', auth: 'digest', password: 'secret-123', channels: 4, basicNumber: '03-1234-5678', ...over });
const ip = (over: Obj = {}): Obj => ({ sipId: 'gw-1', auth: 'ip', allowedAddresses: ['127.0.0.2'], channels: 8, basicNumber: '0612345678', ...over });
const file = (lines: Obj[], siteOver: Obj = {}, vgOver: Obj = {}): Obj => ({
  voiceGroups: [{ id: 'VG0001', name: 'Example', sites: [{ id: '1000001', name: 'HQ', lines, ...siteOver }], ...vgOver }],
});
const L = (i: number) => `voiceGroups[0].sites[0].lines[${i}]`;

function issues(input: unknown): string[] {
  try {
    parseProvisioning(input);
  } catch (err) {
    if (err instanceof ProvisioningError) return err.issues;
    throw err;
  }
  return [];
}

t.test('a valid file parses and is normalised', async (t) => {
  const f = parseProvisioning(file([
    digest({ dialInNumbers: ['+81312345679', '03 1234 5680'] }),
    ip({ allowedAddresses: ['::FFFF:127.0.0.3', '0:0:0:0:0:0:0:1'] }),
    { sipId: 'h', auth: 'digest', ha1Md5: 'A'.repeat(32), ha1Sha256: 'b'.repeat(64), channels: 1, basicNumber: '0312340000' },
  ]));
  const lines = f.voiceGroups[0]!.sites[0]!.lines;
  t.equal(lines[0]!.basicNumber, '0312345678');
  t.same(lines[0]!.dialInNumbers, ['0312345679', '0312345680']);
  t.same(lines[1]!.dialInNumbers, [], 'dialInNumbers defaults to none');
  t.same(lines[1]!.allowedAddresses, ['127.0.0.3', '::1'], 'addresses canonical');
  t.equal(lines[2]!.ha1Md5, 'a'.repeat(32), 'hex lower-cased');
  t.same(issues({ voiceGroups: [] }), [], 'an empty file is valid');
});

t.test('field rules name their path', async (t) => {
  t.same(issues(file([digest({ sipId: 'bad id' })])), [`${L(0)}.sipId: must be 1-64 characters of A-Z a-z 0-9 . _ -`]);
  t.same(issues(file([digest({ sipId: 'x'.repeat(65) })])), [`${L(0)}.sipId: must be 1-64 characters of A-Z a-z 0-9 . _ -`]);
  t.same(issues(file([digest({ channels: 0 })])), [`${L(0)}.channels: must be between 1 and 1000`]);
  t.same(issues(file([digest({ channels: 1001 })])), [`${L(0)}.channels: must be between 1 and 1000`]);
  t.same(issues(file([digest({ channels: 2.5 })])), [`${L(0)}.channels: must be a whole number`]);
  t.same(issues(file([digest({ basicNumber: '12345' })])), [`${L(0)}.basicNumber: not a national number (0 + 9 or 10 digits)`]);
  t.same(issues(file([digest({ basicNumber: '+1 212 555 0100' })])), [`${L(0)}.basicNumber: not a national number (0 + 9 or 10 digits)`], 'international is not ours');
  t.match(issues(file([digest({ basicNumber: 612345678 })])), [new RegExp(`^${L(0).replace(/[[\]]/g, '\\$&')}\\.basicNumber: must be a quoted string`)]);
  t.same(issues(file([digest({ dialInNumbers: ['0312345679', 'x'] })])), [`${L(0)}.dialInNumbers[1]: not a national number (0 + 9 or 10 digits)`]);
  t.same(issues(file([digest({ auth: 'none' })])), [`${L(0)}.auth: must be digest or ip`]);
  t.same(issues(file([digest({ password: 'short' })])), [`${L(0)}.password: must be 8-128 characters`]);
  t.same(issues(file([digest({ password: undefined, ha1Md5: 'xyz', ha1Sha256: 'b'.repeat(64) })])), [`${L(0)}.ha1Md5: must be 32 hex digits`]);
  t.same(issues(file([ip({ allowedAddresses: ['127.0.0.300'] })])), [`${L(0)}.allowedAddresses[0]: not an IPv4 or IPv6 address`]);
  t.same(issues(file([], { id: '123' })), ['voiceGroups[0].sites[0].id: must be a 7-digit site id']);
  t.match(issues(file([], { id: 1000001 })), [/^voiceGroups\[0\]\.sites\[0\]\.id: must be a quoted string/]);
  t.same(issues(file([], {}, { name: '' })), ['voiceGroups[0].name: must not be empty']);
  t.same(issues(file([], {}, { id: 'VG 1' })), ['voiceGroups[0].id: must be 1-32 characters of A-Z a-z 0-9 . _ -']);
  t.same(issues(file([digest({ channels: undefined })])), [`${L(0)}.channels: is required`]);
  t.same(issues({}), ['voiceGroups: is required']);
});

t.test('unknown keys are refused', async (t) => {
  t.same(issues(file([digest({ pasword: 'x' })])), [`${L(0)}.pasword: unknown field`]);
  t.same(issues({ voiceGroups: [], extra: 1 }), ['extra: unknown field']);
});

t.test('digest and ip authentication rules', async (t) => {
  t.same(issues(file([digest({ password: undefined })])), [`${L(0)}.password: is required for auth: digest (or ha1Md5 + ha1Sha256)`]);
  t.same(issues(file([digest({ ha1Md5: 'a'.repeat(32), ha1Sha256: 'b'.repeat(64) })])), [`${L(0)}.password: give either password or ha1Md5 + ha1Sha256, not both`]);
  t.same(issues(file([digest({ password: undefined, ha1Md5: 'a'.repeat(32) })])), [`${L(0)}.ha1Sha256: is required with ha1Md5`]);
  t.same(issues(file([digest({ password: undefined, ha1Sha256: 'b'.repeat(64) })])), [`${L(0)}.ha1Md5: is required with ha1Sha256`]);
  t.same(issues(file([digest({ allowedAddresses: ['127.0.0.1'] })])), [`${L(0)}.allowedAddresses: only allowed with auth: ip`]);
  t.same(issues(file([ip({ allowedAddresses: undefined })])), [`${L(0)}.allowedAddresses: is required for auth: ip (at least one address)`]);
  t.same(issues(file([ip({ allowedAddresses: [] })])), [`${L(0)}.allowedAddresses: is required for auth: ip (at least one address)`]);
  t.same(issues(file([ip({ password: 'secret-123', ha1Md5: 'a'.repeat(32) })])), [
    `${L(0)}.password: not allowed with auth: ip`, `${L(0)}.ha1Md5: not allowed with auth: ip`,
  ]);
});

t.test('duplicates across the whole file', async (t) => {
  const twoGroups = {
    voiceGroups: [
      { id: 'VG1', name: 'a', sites: [{ id: '1000001', name: 's', lines: [digest(), ip()] }] },
      { id: 'VG1', name: 'b', sites: [{ id: '1000001', name: 's', lines: [
        digest({ basicNumber: '+81312345678' }),
        ip({ sipId: 'gw-2', basicNumber: '0612345679', allowedAddresses: ['127.0.0.9', '127.0.0.2'] }),
      ] }] },
    ],
  };
  t.same(issues(twoGroups), [
    'voiceGroups[1].id: duplicate voice group id VG1 (also at voiceGroups[0].id)',
    'voiceGroups[1].sites[0].id: duplicate site id 1000001 (also at voiceGroups[0].sites[0].id)',
    'voiceGroups[1].sites[0].lines[0].sipId: duplicate SIP-ID pbx-1 (also at voiceGroups[0].sites[0].lines[0].sipId)',
    'voiceGroups[1].sites[0].lines[0].basicNumber: duplicate number 0312345678 (also at voiceGroups[0].sites[0].lines[0].basicNumber)',
    'voiceGroups[1].sites[0].lines[1].allowedAddresses[1]: duplicate allowed address 127.0.0.2 (also at voiceGroups[0].sites[0].lines[1].allowedAddresses[0])',
  ]);
  t.same(issues(file([digest({ dialInNumbers: ['03-1234-5678'] })])),
    [`${L(0)}.dialInNumbers[0]: duplicate number 0312345678 (also at ${L(0)}.basicNumber)`], 'within one line, after normalising');
});

t.test('every problem is reported at once, field and cross-file alike', async (t) => {
  const got = issues(file([digest({ channels: 0 }), digest({ basicNumber: '0312345679', auth: 'ip', password: 'secret-123' })]));
  t.same(got.sort(), [
    `${L(1)}.allowedAddresses: is required for auth: ip (at least one address)`,
    `${L(1)}.password: not allowed with auth: ip`,
    `${L(1)}.sipId: duplicate SIP-ID pbx-1 (also at ${L(0)}.sipId)`,
    `${L(0)}.channels: must be between 1 and 1000`,
  ].sort());
});
