import t from 'tap';
import { formatVia, parseVia } from '../../../src/core/messages/index.js';

t.test('single via with received/rport', async (t) => {
  const v = parseVia('SIP/2.0/UDP pc33.atlanta.com:5066;branch=z9hG4bK776asdhds;rport=5066;received=192.0.2.1');
  t.same(v, [
    {
      protocol: 'SIP/2.0',
      transport: 'UDP',
      host: 'pc33.atlanta.com',
      port: 5066,
      params: { branch: 'z9hG4bK776asdhds', rport: '5066', received: '192.0.2.1' },
    },
  ]);
  t.same(parseVia('SIP/2.0/tcp client.example.com;rport;branch=z9hG4bKx')?.[0]?.params, { rport: null, branch: 'z9hG4bKx' });
  t.equal(parseVia('sip/2.0/ws df7jal23ls0d.invalid;branch=z9hG4bK1')?.[0]?.transport, 'WS');
  t.equal(parseVia('sip/2.0/wss h.invalid;branch=z9hG4bK1')?.[0]?.protocol, 'SIP/2.0');
});

t.test('IPv6 sent-by and received', async (t) => {
  const v = parseVia('SIP/2.0/UDP [2001:DB8::9:1]:5070;branch=z9hG4bKas;received=2001:db8::9:255')?.[0];
  t.equal(v?.host, '[2001:db8::9:1]');
  t.equal(v?.port, 5070);
  t.equal(v?.params['received'], '2001:db8::9:255', 'unbracketed IPv6 param value');
  t.equal(parseVia('SIP/2.0/UDP [2001:db8::1];branch=z9hG4bK1')?.[0]?.port, undefined);
});

t.test('several vias in one value, LWS everywhere', async (t) => {
  const v = parseVia('SIP  / 2.0  / TCP     spindle.example.com   ; branch  =   z9hG4bK9ikj8  , SIP / 2.0 / UDP 192.168.255.111 : 5060 ; branch= z9hG4bK30239');
  t.equal(v?.length, 2);
  t.same(
    v?.map((x) => [x.transport, x.host, x.port, x.params['branch']]),
    [
      ['TCP', 'spindle.example.com', undefined, 'z9hG4bK9ikj8'],
      ['UDP', '192.168.255.111', 5060, 'z9hG4bK30239'],
    ],
  );
});

t.test('malformed vias', async (t) => {
  for (const bad of [
    '',
    'SIP/2.0 host',
    'SIP/2.0/UDP',
    'SIP/2.0/UDP ',
    'SIP/2.0/UDPhost',
    'SIP/2.0/UDP host:',
    'SIP/2.0/UDP host:70000',
    'SIP/2.0/UDP 192.0.2.15;;,;,,',
    'SIP/2.0/UDP host;branch=',
    'SIP/2.0/UDP [::1;branch=x',
    'SIP/2.0/UDP host junk',
  ]) {
    t.equal(parseVia(bad), null, JSON.stringify(bad));
  }
});

t.test('formatVia', async (t) => {
  const s = 'SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1;rport=5060;received=192.0.2.9';
  t.equal(formatVia(parseVia(s)![0]!), s);
  t.equal(
    formatVia({ protocol: 'SIP/2.0', transport: 'TLS', host: '[::1]', params: { branch: 'z9hG4bKa', rport: null } }),
    'SIP/2.0/TLS [::1];branch=z9hG4bKa;rport',
  );
});
