import t from 'tap';
import { parseProvisioning, ProvisioningError } from '../../src/provisioning/schema.js';
import { plan } from '../../src/provisioning/plan.js';

type Obj = Record<string, unknown>;
const digest = (over: Obj = {}): Obj => ({ sipId: 'pbx-1', auth: 'digest', password: 'secret-123', channels: 4, basicNumber: '03-1234-5678', ...over });
const ip = (over: Obj = {}): Obj => ({ sipId: 'gw-1', auth: 'ip', allowedAddresses: ['127.0.0.2'], channels: 8, basicNumber: '0612345678', ...over });
const file = (lines: Obj[], siteOver: Obj = {}, vgOver: Obj = {}): Obj => ({
  voiceGroups: [{ id: 'VG0001', name: 'Example', sites: [{ id: '1000001', name: 'HQ', lines, ...siteOver }], ...vgOver }],
});
const L = (i: number) => `voiceGroups[0].sites[0].lines[${i}]`;
/** The lines and peers here are on 127.0.0.x, as on a test rig; the loopback rule itself is tested at the end. */
const RIG = { allowLoopback: true };

function issues(input: unknown, options = RIG): string[] {
  try {
    parseProvisioning(input, options);
  } catch (err) {
    if (err instanceof ProvisioningError) return err.issues;
    throw err;
  }
  return [];
}

t.test('a valid file parses and is normalized', async (t) => {
  const f = parseProvisioning(
    file([
      digest({ dialInNumbers: ['+81312345679', '03 1234 5680'] }),
      ip({ allowedAddresses: ['::FFFF:127.0.0.3', '0:0:0:0:0:0:0:1'] }),
      { sipId: 'h', auth: 'digest', ha1Md5: 'A'.repeat(32), ha1Sha256: 'b'.repeat(64), channels: 1, basicNumber: '0312340000' },
    ]),
    RIG,
  );
  const lines = f.voiceGroups[0]!.sites[0]!.lines;
  t.equal(lines[0]!.basicNumber, '0312345678');
  t.same(lines[0]!.dialInNumbers, ['0312345679', '0312345680']);
  t.same(lines[1]!.dialInNumbers, [], 'dialInNumbers defaults to none');
  t.same(lines[1]!.allowedAddresses, ['127.0.0.3', '::1'], 'addresses canonical');
  t.equal(lines[2]!.ha1Md5, 'a'.repeat(32), 'hex lower-cased');
  t.same(issues({ voiceGroups: [] }), [], 'an empty file is valid');
});

t.test('delivery: number by default, contact for a phone, named when wrong or on an IP line', async (t) => {
  t.same(issues(file([digest({ delivery: 'contact' })])), []);
  t.same(issues(file([digest({ delivery: 'uri' })])), [`${L(0)}.delivery: must be number or contact`]);
  t.same(issues(file([ip({ delivery: 'contact' })])), [`${L(0)}.delivery: contact needs a registered Contact (auth: digest)`]);
});

t.test('field rules name their path', async (t) => {
  t.same(issues(file([digest({ sipId: 'bad id' })])), [`${L(0)}.sipId: must be 1-64 characters of A-Z a-z 0-9 . _ -`]);
  t.same(issues(file([digest({ sipId: 'x'.repeat(65) })])), [`${L(0)}.sipId: must be 1-64 characters of A-Z a-z 0-9 . _ -`]);
  t.same(issues(file([digest({ channels: 0 })])), [`${L(0)}.channels: must be between 1 and 1000`]);
  t.same(issues(file([digest({ channels: 1001 })])), [`${L(0)}.channels: must be between 1 and 1000`]);
  t.same(issues(file([digest({ channels: 2.5 })])), [`${L(0)}.channels: must be a whole number`]);
  t.same(issues(file([digest({ basicNumber: '12345' })])), [`${L(0)}.basicNumber: not a national number (0 + 9 or 10 digits)`]);
  t.same(
    issues(file([digest({ basicNumber: '+1 212 555 0100' })])),
    [`${L(0)}.basicNumber: not a national number (0 + 9 or 10 digits)`],
    'international is not ours',
  );
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
  t.same(issues({}), [], 'every section is optional (a file may hold only features or routing)');
  t.same(issues({ voiceGroups: 'x' }), ['voiceGroups: Invalid input: expected array, received string']);
});

t.test('unknown keys are refused', async (t) => {
  t.same(issues(file([digest({ pasword: 'x' })])), [`${L(0)}.pasword: unknown field`]);
  t.same(issues({ voiceGroups: [], extra: 1 }), ['extra: unknown field']);
});

t.test('digest and ip authentication rules', async (t) => {
  t.same(issues(file([digest({ password: undefined })])), [`${L(0)}.password: is required for auth: digest (or ha1Md5 + ha1Sha256)`]);
  t.same(issues(file([digest({ ha1Md5: 'a'.repeat(32), ha1Sha256: 'b'.repeat(64) })])), [
    `${L(0)}.password: give either password or ha1Md5 + ha1Sha256, not both`,
  ]);
  t.same(issues(file([digest({ password: undefined, ha1Md5: 'a'.repeat(32) })])), [`${L(0)}.ha1Sha256: is required with ha1Md5`]);
  t.same(issues(file([digest({ password: undefined, ha1Sha256: 'b'.repeat(64) })])), [`${L(0)}.ha1Md5: is required with ha1Sha256`]);
  t.same(issues(file([digest({ allowedAddresses: ['127.0.0.1'] })])), [`${L(0)}.allowedAddresses: only allowed with auth: ip`]);
  t.same(issues(file([ip({ allowedAddresses: undefined })])), [`${L(0)}.allowedAddresses: is required for auth: ip (at least one address)`]);
  t.same(issues(file([ip({ allowedAddresses: [] })])), [`${L(0)}.allowedAddresses: is required for auth: ip (at least one address)`]);
  t.same(issues(file([ip({ password: 'secret-123', ha1Md5: 'a'.repeat(32) })])), [
    `${L(0)}.password: not allowed with auth: ip`,
    `${L(0)}.ha1Md5: not allowed with auth: ip`,
  ]);
});

t.test('duplicates across the whole file', async (t) => {
  const twoGroups = {
    voiceGroups: [
      { id: 'VG1', name: 'a', sites: [{ id: '1000001', name: 's', lines: [digest(), ip()] }] },
      {
        id: 'VG1',
        name: 'b',
        sites: [
          {
            id: '1000001',
            name: 's',
            lines: [digest({ basicNumber: '+81312345678' }), ip({ sipId: 'gw-2', basicNumber: '0612345679', allowedAddresses: ['127.0.0.9', '127.0.0.2'] })],
          },
        ],
      },
    ],
  };
  t.same(issues(twoGroups), [
    'voiceGroups[1].id: duplicate voice group id VG1 (also at voiceGroups[0].id)',
    'voiceGroups[1].sites[0].id: duplicate site id 1000001 (also at voiceGroups[0].sites[0].id)',
    'voiceGroups[1].sites[0].lines[0].sipId: duplicate SIP-ID pbx-1 (also at voiceGroups[0].sites[0].lines[0].sipId)',
    'voiceGroups[1].sites[0].lines[0].basicNumber: duplicate number 0312345678 (also at voiceGroups[0].sites[0].lines[0].basicNumber)',
    'voiceGroups[1].sites[0].lines[1].allowedAddresses[1]: duplicate allowed address 127.0.0.2 (also at voiceGroups[0].sites[0].lines[1].allowedAddresses[0])',
  ]);
  t.same(
    issues(file([digest({ dialInNumbers: ['03-1234-5678'] })])),
    [`${L(0)}.dialInNumbers[0]: duplicate number 0312345678 (also at ${L(0)}.basicNumber)`],
    'within one line, after normalizing',
  );
});

t.test('every problem is reported at once, field and cross-file alike', async (t) => {
  const got = issues(file([digest({ channels: 0 }), digest({ basicNumber: '0312345679', auth: 'ip', password: 'secret-123' })]));
  t.same(
    got.sort(),
    [
      `${L(1)}.allowedAddresses: is required for auth: ip (at least one address)`,
      `${L(1)}.password: not allowed with auth: ip`,
      `${L(1)}.sipId: duplicate SIP-ID pbx-1 (also at ${L(0)}.sipId)`,
      `${L(0)}.channels: must be between 1 and 1000`,
    ].sort(),
  );
});

// --- groups, features, routing ---

const site = (over: Obj = {}): Obj =>
  file(
    [digest(), digest({ sipId: 'pbx-2', basicNumber: '0312340002', dialInNumbers: ['0312340003'] }), digest({ sipId: 'pbx-3', basicNumber: '0312340004' })],
    over,
  );
const S = 'voiceGroups[0].sites[0]';
const withFeatures = (features: Obj): Obj => ({ ...site(), features });
const F = (n = '0312345678') => `features.${n}`;

t.test('hunt groups', async (t) => {
  const hunt = (over: Obj = {}): Obj => ({ id: 'h1', pilot: '0312345678', members: ['03-1234-0002', '0312340004'], ...over });
  const f = parseProvisioning(site({ huntGroups: [hunt()] }), RIG);
  t.same(
    f.voiceGroups[0]!.sites[0]!.huntGroups,
    [{ id: 'h1', pilot: '0312345678', members: ['0312340002', '0312340004'], mode: 'sequential', presentation: 'pilot' }],
    'numbers normalized, mode and presentation defaulted',
  );
  t.same(issues(site({ huntGroups: [hunt({ mode: 'random', presentation: 'x' })] })), [
    `${S}.huntGroups[0].mode: must be sequential or round-robin`,
    `${S}.huntGroups[0].presentation: must be pilot or own`,
  ]);
  t.same(issues(site({ huntGroups: [hunt({ members: [] })] })), [`${S}.huntGroups[0].members: at least one member`]);
  t.same(issues(site({ huntGroups: [hunt({ members: ['0312340002', '03-1234-5678'] })] })), [
    `${S}.huntGroups[0].members[1]: number 0312345678 is the pilot; members do not repeat it`,
  ]);
  t.same(issues(site({ huntGroups: [hunt({ members: ['0312340003'] })] })), [
    `${S}.huntGroups[0].members[0]: number 0312340003 is not the basic number of a line (hunt groups hold basic numbers)`,
  ]);
  t.same(
    issues(site({ huntGroups: [hunt(), hunt({ id: 'h2', pilot: '0312340004', members: ['0312340002'] })] })),
    [
      `${S}.huntGroups[1].pilot: duplicate hunt group number 0312340004 (also at ${S}.huntGroups[0].members[1])`,
      `${S}.huntGroups[1].members[0]: duplicate hunt group number 0312340002 (also at ${S}.huntGroups[0].members[0])`,
    ],
    'a number is in at most one group',
  );
  t.same(issues(site({ huntGroups: [hunt(), hunt({ pilot: '0312349999', members: ['0312349998'] })] })), [
    `${S}.huntGroups[1].id: duplicate hunt group id h1 (also at ${S}.huntGroups[0].id)`,
  ]);
  const twoSites = {
    voiceGroups: [
      {
        id: 'VG',
        name: 'v',
        sites: [
          { id: '1000001', name: 'a', lines: [digest()] },
          {
            id: '1000002',
            name: 'b',
            lines: [digest({ sipId: 'x', basicNumber: '0612340000' })],
            huntGroups: [{ id: 'h', pilot: '0612340000', members: ['0312345678'] }],
          },
        ],
      },
    ],
  };
  t.same(issues(twoSites), ['voiceGroups[0].sites[1].huntGroups[0].members[0]: number 0312345678 is not a number of site 1000002']);
  t.same(issues(site({ huntGroups: [{ ...hunt(), extra: 1 }] })), [`${S}.huntGroups[0].extra: unknown field`]);
});

t.test('bulk groups', async (t) => {
  const bulk = (over: Obj = {}): Obj => ({ id: 'b1', name: 'Closed', members: ['0312345678', '0312340003'], ...over });
  const f = parseProvisioning(site({ bulkGroups: [bulk()] }), RIG);
  t.same(
    f.voiceGroups[0]!.sites[0]!.bulkGroups[0],
    { id: 'b1', name: 'Closed', members: ['0312345678', '0312340003'], state: 'stopped' },
    'dial-in numbers are allowed; state defaults to stopped',
  );
  t.same(issues(site({ bulkGroups: [bulk({ state: 'starting' })] })), [`${S}.bulkGroups[0].state: must be stopped or started`]);
  t.same(issues(site({ bulkGroups: [bulk({ name: '' })] })), [`${S}.bulkGroups[0].name: must not be empty`]);
  const many = Array.from({ length: 1001 }, (_, i) => `0312${String(i).padStart(6, '0')}`);
  t.same(issues(site({ bulkGroups: [bulk({ members: many })] })), [`${S}.bulkGroups[0].members: at most 1000 numbers`]);
  t.same(issues(site({ bulkGroups: [bulk(), bulk({ id: 'b2', members: ['0312340003'] })] })), [
    `${S}.bulkGroups[1].members[0]: duplicate bulk group member 0312340003 (also at ${S}.bulkGroups[0].members[1])`,
  ]);
});

t.test('features: values are normalized and defaults stay unset', async (t) => {
  const f = parseProvisioning(
    withFeatures({
      '03-1234-5678': {
        blockedCallers: ['090-1111-2222', '+81612345678', '0612'],
        specificPresentation: { number: '0120-123-456', enabled: true },
        forwarding: { enabled: true, noAnswer: true, ringTime: 20, active: 2, destinations: [null, '090-1234-5678', '+441234567890'] },
      },
    }),
    RIG,
  );
  const x = f.features['03-1234-5678']!;
  t.same(x.blockedCallers, ['09011112222', '0612345678', '0612']);
  t.same(x.specificPresentation, { number: '0120123456', enabled: true });
  t.equal(x.anonymousRejection, undefined, 'a field left out stays out (keeps what is stored)');
  t.same(
    x.forwarding,
    {
      enabled: true,
      unconditional: false,
      busy: false,
      noAnswer: true,
      unreachable: false,
      ringTime: 20,
      active: 2,
      destinations: [null, '090-1234-5678', '+441234567890', null, null],
      schedule: [],
    },
    'forwarding filled with defaults; 5 slots',
  );
  t.same(issues(withFeatures({ '0312345678': { blockAnnouncementUri: null, specificPresentation: null } })), [], 'null clears');
});

t.test('features: every rule names its field', async (t) => {
  const one = (f: Obj) => issues(withFeatures({ '0312345678': f }));
  t.same(issues(withFeatures({ abc: {} })), ['features.abc: not a national number (0 + 9 or 10 digits)']);
  t.same(issues(withFeatures({ '0312345678': {}, '03-1234-5678': {} })), [
    'features.03-1234-5678: duplicate features entry for 0312345678 (also at features.0312345678)',
  ]);
  t.same(one({ blockedCallers: ['1234'] }), [`${F()}.blockedCallers[0]: must be a national number starting 01-09, at most 11 digits`]);
  t.same(one({ blockedCallers: ['031234567890'] }), [`${F()}.blockedCallers[0]: must be a national number starting 01-09, at most 11 digits`], '12 digits');
  t.same(one({ blockedCallers: ['0012345678'] }), [`${F()}.blockedCallers[0]: must be a national number starting 01-09, at most 11 digits`]);
  t.same(one({ blockedCallers: Array.from({ length: 31 }, (_, i) => `0312${String(i).padStart(6, '0')}`) }), [`${F()}.blockedCallers: at most 30 numbers`]);
  t.same(one({ blockedCallers: ['0312340000', '03-1234-0000'] }), [`${F()}.blockedCallers[1]: duplicate number 0312340000`]);
  t.same(one({ blockAnnouncementUri: 'http://x' }), [`${F()}.blockAnnouncementUri: must be a sip: or sips: URI`]);
  t.same(one({ anonymousRejection: 'yes' }), [`${F()}.anonymousRejection: must be true or false`]);
  t.same(one({ presentation: 'hide' }), [`${F()}.presentation: must be present or withhold`]);
  t.same(one({ specificPresentation: { number: '0312345678', enabled: true } }), [
    `${F()}.specificPresentation.number: must be a toll-free number (0120 or 0570 + 6 digits, 0800 + 7 digits)`,
  ]);
  t.same(one({ specificPresentation: { number: '0800-123-4567' } }), [`${F()}.specificPresentation.enabled: is required`]);
  t.same(issues(withFeatures({ '0312340003': { outgoingRestriction: true } })), ['features.0312340003.outgoingRestriction: only for basic numbers']);
  t.same(one({ outgoingRestriction: true }), [], 'a basic number may be restricted');
  t.same(one({ colour: 'red' }), [`${F()}.colour: unknown field`]);
});

t.test('features: forwarding rules', async (t) => {
  const fwd = (f: Obj) => issues(withFeatures({ '0312345678': { forwarding: f } }));
  const P = `${F()}.forwarding`;
  t.same(fwd({ ringTime: 4 }), [`${P}.ringTime: must be between 5 and 30`]);
  t.same(fwd({ ringTime: 31 }), [`${P}.ringTime: must be between 5 and 30`]);
  t.same(fwd({ destinations: ['0312340000', null, null, null, '0312340001', '0312340002'] }), [`${P}.destinations: at most 5 destinations (slots 1-5)`]);
  const tollFree = (flag: boolean) => issues(withFeatures({ '0312345678': { tollFreeForwarding: flag, forwarding: { destinations: ['0120-123-456'] } } }));
  t.same(tollFree(false), [`${P}.destinations[0]: Toll-free numbers (0120) cannot be forwarding destinations without the toll-free forwarding option`]);
  t.same(tollFree(true), [], 'with the option: accepted');
  t.same(fwd({ destinations: ['0120-123-456'] }), [], 'the option left out: checked against the stored one when applied');
  t.same(issues(withFeatures({ '0312345678': { tollFreeForwarding: 'on' } })), [`${F()}.tollFreeForwarding: must be true or false`]);
  t.same(fwd({ destinations: [null, '03-1234-5678'] }), [`${P}.destinations[1]: A number cannot be forwarded to itself`]);
  t.same(fwd({ destinations: ['117'] }), [`${P}.destinations[0]: Service numbers such as 117 (1XY) cannot be forwarding destinations`]);
  t.same(fwd({ destinations: [9012345678] }), [`${P}.destinations[0]: must be a quoted string (a number or null; unquoted, YAML reads it as a number)`]);
  t.same(fwd({ enabled: true, unconditional: true, busy: true, destinations: ['0312340000'] }), [
    `${P}.unconditional: unconditional excludes busy, noAnswer and unreachable`,
  ]);
  t.same(fwd({ enabled: true, destinations: ['0312340000'] }), [`${P}.enabled: forwarding on needs a trigger: unconditional, busy, noAnswer or unreachable`]);
  t.same(fwd({ enabled: true, busy: true, active: 2, destinations: ['0312340000'] }), [`${P}.active: slot 2 holds no destination`]);
  t.same(fwd({ enabled: false, busy: true, active: 2, destinations: ['0312340000'] }), [], 'a disabled pattern may point at an empty slot');
  t.same(
    fwd({ enabled: true, unconditional: true, active: 5, destinations: [null, null, null, null, '0312340000'] }),
    [],
    'slot 5 in a pattern: refused only for members of a bulk group, when applied',
  );
  t.same(fwd({ enabled: true, unconditional: true, active: 5, destinations: ['0312340000'] }), [`${P}.active: slot 5 holds no destination`]);
  t.same(fwd({ active: 6 }), [`${P}.active: must be between 1 and 5`]);
});

t.test('features: schedule entries', async (t) => {
  const sched = (e: Obj) => issues(withFeatures({ '0312345678': { forwarding: { destinations: ['0312340000'], schedule: [e] } } }));
  const E = `${F()}.forwarding.schedule[0]`;
  const ok = { days: [1, 2, 3, 4, 5], from: '18:00', to: '09:00', pattern: { enabled: true, unconditional: true, active: 1 } };
  t.same(sched(ok), []);
  t.same(sched({ ...ok, from: '00:00', to: '00:00' }), [], 'from == to is the whole day');
  t.same(sched({ ...ok, days: [] }), [`${E}.days: at least one day`]);
  t.same(sched({ ...ok, days: [7] }), [`${E}.days[0]: must be between 0 and 6`]);
  t.same(sched({ ...ok, days: [1, 1] }), [`${E}.days: a day is listed twice`]);
  t.same(sched({ ...ok, from: '9:00', to: '24:00' }), [`${E}.from: must be a time HH:MM (00:00-23:59)`, `${E}.to: must be a time HH:MM (00:00-23:59)`]);
  t.same(sched({ ...ok, pattern: { enabled: true, active: 1 } }), [
    `${E}.pattern.enabled: forwarding on needs a trigger: unconditional, busy, noAnswer or unreachable`,
  ]);
  t.same(sched({ ...ok, pattern: { enabled: true, unconditional: true, active: 3 } }), [`${E}.pattern.active: slot 3 holds no destination`]);
  t.same(sched({ ...ok, pattern: undefined }), [`${E}.pattern: is required`]);
  t.same(sched({ ...ok, at: 1 }), [`${E}.at: unknown field`]);
});

t.test('routing', async (t) => {
  const routing = (r: Obj) => issues({ ...site(), routing: r });
  const good = {
    peers: [{ name: 'carrier', addresses: ['127.0.0.3', '::FFFF:127.0.0.4'] }],
    outboundRoutes: [
      { name: 'all', prefix: '', target: '127.0.0.1:5070' },
      { name: 'mobile', prefix: '090', target: 'gw.example.net', transport: 'tcp' },
    ],
    emergencyRoute: { name: 'e', target: '[::1]:5071' },
  };
  const f = parseProvisioning({ routing: good }, RIG);
  t.same(f.routing?.peers?.[0]?.addresses, ['127.0.0.3', '127.0.0.4'], 'addresses canonical');
  t.equal(f.routing?.outboundRoutes?.[0]?.transport, 'udp', 'transport defaults to udp');
  t.same(routing({ emergencyRoute: null }), [], 'null removes the emergency route');
  t.same(routing({ outboundRoutes: [{ name: 'a', prefix: 0, target: '127.0.0.1' }] }), [
    'routing.outboundRoutes[0].prefix: must be a quoted string (digits; unquoted, YAML reads it as a number)',
  ]);
  t.same(routing({ outboundRoutes: [{ name: 'a', prefix: '+81', target: '127.0.0.1' }] }), [
    'routing.outboundRoutes[0].prefix: must be up to 32 digits ("" matches everything)',
  ]);
  for (const target of ['127.0.0.1:0', '127.0.0.1:70000', 'bad host', '::1:5060', '[nope]:5060']) {
    t.same(
      routing({ outboundRoutes: [{ name: 'a', prefix: '0', target }] }),
      ['routing.outboundRoutes[0].target: must be host[:port] (a domain name, IPv4 or [IPv6] address; port 1-65535)'],
      target,
    );
  }
  t.same(routing({ outboundRoutes: [{ name: 'a', prefix: '0', target: 'h', transport: 'tls' }] }), ['routing.outboundRoutes[0].transport: must be udp or tcp']);
  t.same(
    routing({
      outboundRoutes: [
        { name: 'a', prefix: '0', target: 'h' },
        { name: 'a', prefix: '0', target: 'h' },
      ],
    }),
    ['routing.outboundRoutes[1].name: duplicate route name a (also at routing.outboundRoutes[0].name)'],
    'a name is once; a prefix may have several routes',
  );
  t.same(routing({ peers: [{ name: 'p', addresses: [] }] }), ['routing.peers[0].addresses: at least one address (or a host name in hosts)']);
  t.same(
    issues({
      voiceGroups: [{ id: 'V', name: 'v', sites: [{ id: '1000001', name: 's', lines: [ip()] }] }],
      routing: { peers: [{ name: 'p', addresses: ['127.0.0.2'] }] },
    }),
    ['routing.peers[0].addresses[0]: duplicate allowed address 127.0.0.2 (also at voiceGroups[0].sites[0].lines[0].allowedAddresses[0])'],
    'an address trusts one line or one peer',
  );
  t.same(routing({ emergencyRoute: { name: 'e', target: 'h', prefix: '1' } }), ['routing.emergencyRoute.prefix: unknown field']);
});

t.test('route targets: an address, [IPv6] or a DNS name with an optional port; several routes per prefix by priority and weight', async (t) => {
  const routing = (r: Obj) => issues({ ...site(), routing: r });
  const out = (routes: Obj[]) => plan(parseProvisioning({ routing: { outboundRoutes: routes } }, RIG), 'realm').routing.outbound;
  t.same(
    out([
      { name: 'a', prefix: '0', target: 'carrier.example' },
      { name: 'b', prefix: '0', target: 'carrier.example:5070' },
      { name: 'c', prefix: '0', target: '[2001:db8::7]:5080', priority: 2, weight: 10 },
      { name: 'd', prefix: '0', target: 'Carrier.Example', transport: 'tcp' },
    ]),
    [
      { name: 'a', prefix: '0', target: 'carrier.example' },
      { name: 'b', prefix: '0', target: 'carrier.example:5070', transport: 'udp' },
      { name: 'c', prefix: '0', target: '[2001:db8::7]:5080', transport: 'udp', priority: 2, weight: 10 },
      { name: 'd', prefix: '0', target: 'Carrier.Example', transport: 'tcp' },
    ],
    'a bare name keeps no transport (NAPTR decides); an address or a port means UDP',
  );
  for (const target of ['999.1.1.1', 'carrier_x.example', 'a..b', '[127.0.0.1]:5060', 'carrier.example:', '-bad.example']) {
    t.same(
      routing({ outboundRoutes: [{ name: 'a', prefix: '0', target }] }),
      ['routing.outboundRoutes[0].target: must be host[:port] (a domain name, IPv4 or [IPv6] address; port 1-65535)'],
      target,
    );
  }
  t.same(routing({ outboundRoutes: [{ name: 'a', prefix: '0', target: 'h', priority: -1 }] }), [
    'routing.outboundRoutes[0].priority: must be a whole number 0-65535',
  ]);
  t.same(routing({ outboundRoutes: [{ name: 'a', prefix: '0', target: 'h', weight: 1.5 }] }), [
    'routing.outboundRoutes[0].weight: must be a whole number 0-65535',
  ]);
  t.same(routing({ voicemail: { name: 'vm', target: 'bad host' } }), [
    'routing.voicemail.target: must be host[:port] (a domain name, IPv4 or [IPv6] address; port 1-65535)',
  ]);
  t.same(routing({ emergencyRoutes: [{ name: 'e', areaCodes: ['03'], target: 'x:0' }] }), [
    'routing.emergencyRoutes[0].target: must be host[:port] (a domain name, IPv4 or [IPv6] address; port 1-65535)',
  ]);
});

t.test('peers by host name; an IP trunk delivery address', async (t) => {
  const routing = (r: Obj) => issues({ ...site(), routing: r });
  const f = parseProvisioning({ routing: { peers: [{ name: 'p', hosts: ['Peer.Carrier.Example'] }] } }, RIG);
  t.same(f.routing?.peers?.[0], { name: 'p', addresses: [], hosts: ['peer.carrier.example'] }, 'a peer may be given by host name only');
  t.same(routing({ peers: [{ name: 'p', hosts: ['not a name'] }] }).length, 1, 'a host that is no DNS name is refused');
  t.match(routing({ peers: [{ name: 'p', hosts: ['not a name'] }] })[0], /^routing\.peers\[0\]\.hosts\[0\]: /);

  const trunk = (over: Obj) => issues({ voiceGroups: [{ id: 'V', name: 'v', sites: [{ id: '1000001', name: 's', lines: [ip(over)] }] }] });
  t.same(trunk({ deliverTo: 'pbx.customer.example:5070', deliverTransport: 'tcp' }), []);
  t.same(trunk({ deliverTo: '127.0.0.2:5090' }), []);
  t.same(trunk({ deliverTo: '127.0.0.2:99999' }), [
    'voiceGroups[0].sites[0].lines[0].deliverTo: must be host[:port] (a domain name, IPv4 or [IPv6] address; port 1-65535)',
  ]);
  t.same(trunk({ deliverTransport: 'tcp' }), ['voiceGroups[0].sites[0].lines[0].deliverTransport: goes with deliverTo']);
  t.same(issues({ voiceGroups: [{ id: 'V', name: 'v', sites: [{ id: '1000001', name: 's', lines: [digest({ deliverTo: '127.0.0.2:5090' })] }] }] }), [
    'voiceGroups[0].sites[0].lines[0].deliverTo: only allowed with auth: ip (a digest line is reached where it registered)',
  ]);
  const planned = plan(
    parseProvisioning({ voiceGroups: [{ id: 'V', name: 'v', sites: [{ id: '1000001', name: 's', lines: [ip({ deliverTo: '127.0.0.2:5090' })] }] }] }, RIG),
    'realm',
  );
  t.equal(planned.lines.get('gw-1')?.deliverTo, '127.0.0.2:5090', 'stored with the line');
});

t.test('emergency routes per area code; the former single route still loads', async (t) => {
  const routing = (r: Obj) => issues({ ...site(), routing: r });
  const tokyo = { name: 'tokyo', areaCodes: ['03', '042'], target: '127.0.0.1:5071' };
  const f = parseProvisioning({ routing: { emergencyRoutes: [tokyo, { name: 'sapporo', areaCodes: ['011', '0123'], target: 'h' }] } }, RIG);
  t.same(f.routing?.emergencyRoutes?.[0], { ...tokyo, transport: 'udp' });
  t.same(routing({ emergencyRoutes: [] }), [], 'an empty table removes every emergency route');
  t.same(routing({ emergencyRoutes: [{ name: 'e', areaCodes: [], target: 'h' }] }), ['routing.emergencyRoutes[0].areaCodes: at least one area code']);
  t.same(routing({ emergencyRoutes: [{ name: 'e', target: 'h' }] }), ['routing.emergencyRoutes[0].areaCodes: is required']);
  const BAD = 'must be a geographic area code: 0 + 1-4 digits (e.g. "03", "011", "0123"; not 0X0, 0120, 0570, 0990)';
  for (const code of ['3', '050', '090', '0120', '0570', '0990', '010', '012345', '0']) {
    t.same(routing({ emergencyRoutes: [{ name: 'e', areaCodes: [code], target: 'h' }] }), [`routing.emergencyRoutes[0].areaCodes[0]: ${BAD}`], code);
  }
  t.same(routing({ emergencyRoutes: [{ name: 'e', areaCodes: [3], target: 'h' }] }), [
    'routing.emergencyRoutes[0].areaCodes[0]: must be a quoted string (an area code; unquoted, YAML reads it as a number)',
  ]);
  t.same(
    routing({
      emergencyRoutes: [
        { name: 'a', areaCodes: ['03'], target: 'h' },
        { name: 'a', areaCodes: ['06', '03'], target: 'h' },
      ],
    }),
    [
      'routing.emergencyRoutes[1].name: duplicate emergency route name a (also at routing.emergencyRoutes[0].name)',
      'routing.emergencyRoutes[1].areaCodes[1]: duplicate area code 03 (also at routing.emergencyRoutes[0].areaCodes[0])',
    ],
    'an area code has one route',
  );
  t.same(routing({ emergencyRoutes: [tokyo], emergencyRoute: { name: 'e', target: 'h' } }), [
    'routing.emergencyRoute: give emergencyRoutes (per area) or the former emergencyRoute, not both',
  ]);
  // The former single route: one route for every area.
  const legacy = plan(parseProvisioning({ routing: { emergencyRoute: { name: 'e', target: 'h' } } }, RIG), 'realm');
  t.same(
    legacy.routing.emergency,
    [{ name: 'e', areaCodes: ['01', '02', '03', '04', '05', '06', '07', '08', '09'], target: 'h' }],
    'a bare name without transport: DNS (NAPTR) decides',
  );
  t.same(plan(parseProvisioning({ routing: { emergencyRoute: null } }, RIG), 'realm').routing.emergency, [], 'null: no emergency route');
});

t.test('the voice-mail platform', async (t) => {
  const routing = (r: Obj) => issues({ ...site(), routing: r });
  t.same(plan(parseProvisioning({ routing: { voicemail: { name: 'vm', target: '127.0.0.1:5080' } } }, RIG), 'realm').routing.voicemail, {
    name: 'vm',
    target: '127.0.0.1:5080',
    transport: 'udp',
  });
  t.same(plan(parseProvisioning({ routing: { voicemail: null } }, RIG), 'realm').routing.voicemail, null, 'null removes it');
  t.same(routing({ voicemail: { name: 'vm' } }), ['routing.voicemail.target: is required']);
  t.same(routing({ voicemail: { name: 'vm', target: 'h', mailbox: '1' } }), ['routing.voicemail.mailbox: unknown field']);
});

t.test('trusted addresses: single hosts only; loopback only when the config allows it', async (t) => {
  const at = (address: string) => file([ip({ allowedAddresses: [address] })]);
  const peerAt = (address: string) => ({ routing: { peers: [{ name: 'p', addresses: [address] }] } });
  const DEFAULT = { allowLoopback: false };
  t.same(issues(at('192.0.2.7'), DEFAULT), [], 'a single host is accepted');
  t.same(issues(at('2001:db8::7'), DEFAULT), [], 'IPv6 too');
  for (const address of ['0.0.0.0', '0.1.2.3', '::', '224.0.0.1', '239.255.255.250', 'ff02::1', '255.255.255.255', '240.0.0.1', '::ffff:7f00:1']) {
    const expected = issues(at(address), DEFAULT);
    t.equal(expected.length, 1, `${address}: refused`);
    t.ok(expected[0]?.startsWith(`${L(0)}.allowedAddresses[0]: `), `${address}: the field is named`, { expected });
    t.same(issues(at(address), RIG), expected, `${address}: refused even where loopback is allowed`);
    t.match(issues(peerAt(address), RIG), [/^routing\.peers\[0\]\.addresses\[0\]: /], `${address}: refused for a peer too`);
  }
  for (const address of ['127.0.0.1', '127.9.9.9', '::1', '::ffff:127.0.0.1']) {
    t.match(issues(at(address), DEFAULT), [/allowedAddresses\[0\]: a loopback address cannot be trusted/], `${address}: loopback refused by default`);
    t.match(issues(peerAt(address), DEFAULT), [/^routing\.peers\[0\]\.addresses\[0\]: a loopback address/], `${address}: for a peer too`);
    t.same(issues(at(address), RIG), [], `${address}: accepted with provisioning.allowLoopbackAddresses`);
  }
  t.same(issues(at('10.0.0.0/8'), RIG), [`${L(0)}.allowedAddresses[0]: must be a single host address (CIDR ranges are not allowed)`], 'CIDR ranges refused');
  t.same(issues(at('192.0.2.7/32'), RIG), [`${L(0)}.allowedAddresses[0]: must be a single host address (CIDR ranges are not allowed)`], 'even /32');
  t.throws(() => parseProvisioning(at('127.0.0.2')), ProvisioningError, 'parseProvisioning refuses loopback when given no options');
});
