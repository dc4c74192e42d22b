import t from 'tap';
import { formatVia, parseVia } from '../../../src/core/messages/index.js';
import { isValidVia, isValidViaRange, parseViaRange } from '../../../src/core/messages/headers/via.js';

/** Via (RFC 3261 §20.42, §25.1: sent-protocol LWS sent-by *( SEMI via-params ), LWS around / : ; =) at the edges. */

t.test('sent-protocol = protocol-name SLASH protocol-version SLASH transport', async (t) => {
  const v = parseVia('sip / 2.0 / udp h')?.[0];
  t.equal(v?.protocol, 'SIP/2.0', 'the protocol name upper-cased');
  t.equal(v?.transport, 'UDP', 'the transport upper-cased');
  t.equal(parseVia('Sip/2.0/Tcp h')?.[0]?.protocol, 'SIP/2.0');
  t.equal(parseVia('SIP/2.0/a h')?.[0]?.transport, 'A', 'a is a lower-case letter');
  t.equal(parseVia('SIP/2.0/z h')?.[0]?.transport, 'Z', 'so is z');
  t.equal(parseVia('SIP/2.0/X-`~ h')?.[0]?.transport, 'X-`~', 'other token characters kept');
  for (const bad of [
    '/2.0/UDP h',
    'SIP//UDP h',
    'SIP/ /UDP h',
    'SIP/2.0/ h',
    'SIP/2.0/UDP',
    'SIP 2.0/UDP h',
    'SIP/2.0 :UDP h',
    'SIP/2.0 /',
    'SIP/2.0/"UDP" h',
    '@/2.0/UDP h',
  ]) {
    t.equal(parseVia(bad), null, JSON.stringify(bad));
    t.notOk(isValidVia(bad), JSON.stringify(bad));
  }
});

t.test('sent-by = host [ COLON port ]: hostname, IPv4 or IPv6 reference; LWS around the colon', async (t) => {
  t.same(parseVia('SIP/2.0/UDP h : 5060 ;branch=z9hG4bK1')?.[0], {
    protocol: 'SIP/2.0',
    transport: 'UDP',
    host: 'h',
    port: 5060,
    params: { branch: 'z9hG4bK1' },
  });
  t.equal(parseVia('SIP/2.0/UDP H.Example.COM')?.[0]?.host, 'h.example.com', 'the host lower-cased');
  t.equal(parseVia('SIP/2.0/UDP h:65535')?.[0]?.port, 65535);
  t.equal(parseVia('SIP/2.0/UDP h:0')?.[0]?.port, 0);
  t.equal(parseVia('SIP/2.0/UDP h:05060')?.[0]?.port, 5060);
  t.equal(parseVia('SIP/2.0/UDP [::1]:5060')?.[0]?.host, '[::1]');
  t.equal(parseVia('SIP/2.0/UDP h:9')?.[0]?.port, 9);
  t.equal(parseViaRange('SIP/2.0/UDP hostx', 0, 16)?.[0]?.host, 'host', 'the host ends at the end');
  t.same(parseViaRange('SIP/2.0/UDP h:5', 0, 13)?.[0], { protocol: 'SIP/2.0', transport: 'UDP', host: 'h', params: {} }, 'a colon past the end opens no port');
  for (const bad of [
    'SIP/2.0/UDP h:65536',
    'SIP/2.0/UDP h:000005060',
    'SIP/2.0/UDP h:5060x',
    'SIP/2.0/UDP h: ;branch=1',
    'SIP/2.0/UDP []',
    'SIP/2.0/UDP [',
    'SIP/2.0/UDP [::g]',
    'SIP/2.0/UDP [::1]x',
    'SIP/2.0/UDP [::1x',
    'SIP/2.0/UDP[::1]',
    'SIP/2.0/UDP h_x',
    'SIP/2.0/UDP ;branch=1',
  ]) {
    t.equal(parseVia(bad), null, JSON.stringify(bad));
    t.notOk(isValidVia(bad), JSON.stringify(bad));
  }
});

t.test('§7.3.1 several Vias in one value; empty elements are no Via', async (t) => {
  t.same(
    parseVia(',SIP/2.0/UDP a, ,SIP/2.0/TCP b;branch="x,y",')?.map((v) => [v.transport, v.host, v.params['branch']]),
    [
      ['UDP', 'a', undefined],
      ['TCP', 'b', '"x,y"'],
    ],
  );
  t.ok(isValidVia(',SIP/2.0/UDP a, ,SIP/2.0/TCP b'));
  t.equal(parseVia(','), null, 'no Via at all');
  t.notOk(isValidVia(', ,'));
  t.equal(parseVia('SIP/2.0/UDP a, junk'), null, 'one malformed Via spoils the value');
  t.notOk(isValidVia('SIP/2.0/UDP a, junk'));
  t.notOk(isValidVia('SIP/2.0/UDP a junk'), 'no comma: one malformed Via');
});

t.test('a Via read in place stays within its bounds', async (t) => {
  const s = 'Via: SIP/2.0/UDP a;branch=1, SIP/2.0/UDP b\r\nX: y';
  const end = s.indexOf('\r');
  t.same(
    parseViaRange(s, 5, end)?.map((v) => v.host),
    ['a', 'b'],
  );
  t.ok(isValidViaRange(s, 5, end));
  t.notOk(isValidViaRange(s, 5, s.length), 'the next line is not part of it');
  t.equal(parseViaRange('SIP/2.0/UDP a x,SIP/2.0/UDP b', 0, 15), null, 'a comma past the end does not split');
  t.notOk(isValidViaRange('SIP/2.0/UDP a x,SIP/2.0/UDP b', 0, 15));
});

t.test('formatVia writes sent-protocol, sent-by and parameters', async (t) => {
  t.equal(formatVia({ protocol: 'SIP/2.0', transport: 'UDP', host: 'h', port: 0, params: {} }), 'SIP/2.0/UDP h:0', 'port 0 is a port');
  t.equal(formatVia({ protocol: 'SIP/2.0', transport: 'WSS', host: 'h', params: { rport: null } }), 'SIP/2.0/WSS h;rport');
});
