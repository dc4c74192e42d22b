import type { NetworkInterfaceInfo } from 'node:os';
import t from 'tap';
import { localIdentity, wildcardAdvertisedHost, type WildcardChoice } from '../../../src/proxy/advertised-address.js';

/** What a socket bound to a wildcard advertises (docs: "Connecting equipment", NAT and addresses). */
const iface = (address: string, family: 'IPv4' | 'IPv6', internal = false): NetworkInterfaceInfo =>
  ({ address, family, internal, netmask: '', mac: '', cidr: null, ...(family === 'IPv6' ? { scopeid: 0 } : {}) }) as NetworkInterfaceInfo;
const HOST = {
  lo: [iface('127.0.0.1', 'IPv4', true), iface('::1', 'IPv6', true)],
  eth0: [iface('169.254.10.1', 'IPv4'), iface('fe80::1', 'IPv6'), iface('192.0.2.10', 'IPv4'), iface('2001:db8::10', 'IPv6')],
};

t.test('a wildcard advertises the first routable interface address of its family, never loopback or link-local', async (t) => {
  t.same(wildcardAdvertisedHost('0.0.0.0', HOST), { host: '192.0.2.10', from: 'interface' });
  t.same(wildcardAdvertisedHost('::', HOST), { host: '2001:db8::10', from: 'interface' });
  t.same(wildcardAdvertisedHost('0.0.0.0', { lo: HOST.lo }), { host: '127.0.0.1', from: 'loopback' }, 'loopback only on a host with nothing else');
  t.same(wildcardAdvertisedHost('::', { lo: HOST.lo }), { host: '::1', from: 'loopback' });
});

const listening = (host: string) => ({
  localAddress: (transport: string) => (transport === 'UDP' || transport === 'TCP' ? { host, port: 5060 } : undefined),
});

t.test('localIdentity: the guess goes into Record-Route, is reported, and every interface address counts as us', async (t) => {
  const guesses: Array<[string, WildcardChoice]> = [];
  const identity = localIdentity(listening('0.0.0.0'), {
    domain: 'ss.test',
    interfaces: HOST,
    onGuess: (transport, choice) => guesses.push([transport, choice]),
  });
  t.match(identity.recordRoute('UDP'), /^<sip:192\.0\.2\.10:5060;lr>$/);
  t.same(
    guesses.map(([transport, c]) => `${transport} ${c.host}`),
    ['UDP 192.0.2.10', 'TCP 192.0.2.10'],
  );
  t.ok(identity.isMine('<sip:127.0.0.1:5060;lr>'), 'loopback on our port is us (a wildcard socket takes it)');
  t.ok(identity.isMine('<sip:192.0.2.10:5060;lr>'));
  t.notOk(identity.isMine('<sip:192.0.2.10:5070;lr>'), 'another port is not');
});

t.test('localIdentity: sip.advertisedHost wins and nothing is guessed; a specific listen address is used as it is', async (t) => {
  let guessed = 0;
  const onGuess = (): void => {
    guessed++;
  };
  const configured = localIdentity(listening('0.0.0.0'), { advertisedHost: 'sip.example.net:5080', domain: 'ss.test', interfaces: HOST, onGuess });
  t.match(configured.recordRoute('UDP'), /^<sip:sip\.example\.net:5080;lr>$/);
  const specific = localIdentity(listening('198.51.100.7'), { domain: 'ss.test', interfaces: HOST, onGuess });
  t.match(specific.recordRoute('TCP'), /^<sip:198\.51\.100\.7:5060;transport=tcp;lr>$/);
  t.equal(guessed, 0);
});

t.test('sip.advertisedHost: its port is the UDP/TCP port; TLS and WSS keep their own, with sips: routes', async (t) => {
  const ports: Record<string, number> = { UDP: 5060, TCP: 5060, TLS: 5061, WSS: 8089 };
  const identity = localIdentity(
    { localAddress: (transport: string) => (ports[transport] ? { host: '0.0.0.0', port: ports[transport] } : undefined) },
    { advertisedHost: 'sip.example.net:5070', domain: 'ss.test', interfaces: HOST, onGuess: () => t.fail('nothing to guess') },
  );
  t.equal(identity.recordRoute('UDP'), '<sip:sip.example.net:5070;lr>');
  t.equal(identity.recordRoute('TLS'), '<sips:sip.example.net:5061;lr>');
  t.equal(identity.recordRoute('WSS'), '<sips:sip.example.net:8089;transport=ws;lr>');
  t.equal(identity.sentBy('TLS'), 'sip.example.net:5061');
});
