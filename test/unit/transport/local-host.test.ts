import t from 'tap';
import { bareHost } from '../../../src/core/messages/index.js';
import { hostPortKey, isIpLiteral, namesHost } from '../../../src/core/transport/local-host.js';

/** "Is this host us?" in one place, with each caller's rule (see local-host.ts). */

t.test('bareHost drops the brackets of an IPv6 reference only', async (t) => {
  t.equal(bareHost('[::1]'), '::1');
  t.equal(bareHost('[2001:db8::5]'), '2001:db8::5');
  t.equal(bareHost('ss.test'), 'ss.test');
  t.equal(bareHost('10.0.0.1'), '10.0.0.1');
});

t.test('isIpLiteral: IPv4 digits, IPv6 with or without brackets; names are not', async (t) => {
  t.ok(isIpLiteral('192.0.2.1'));
  t.ok(isIpLiteral('[::1]'));
  t.ok(isIpLiteral('2001:db8::1'));
  t.notOk(isIpLiteral('ss.test'));
  t.notOk(isIpLiteral('1host.example'));
});

t.test('namesHost: a listed name in any case; IP literals only when the caller takes them', async (t) => {
  const names = new Set(['ss.test', '127.0.0.1']);
  t.ok(namesHost('SS.Test', names, false));
  t.ok(namesHost('127.0.0.1', names, false));
  t.notOk(namesHost('192.0.2.1', names, false), 'an address we do not listen on');
  t.ok(namesHost('192.0.2.1', names, true), 'any address when listening on a wildcard (or for the registrar)');
  t.ok(namesHost('[::1]', ['ss.test'], true));
  t.notOk(namesHost('other.test', ['ss.test'], true), 'a name is never taken on the IP rule');
});

t.test('hostPortKey: bare, lower-case host and the port', async (t) => {
  t.equal(hostPortKey('[::1]', 5060), '::1:5060');
  t.equal(hostPortKey('SS.test', 5090), 'ss.test:5090');
  t.not(hostPortKey('ss.test', 5060), hostPortKey('ss.test', 5061));
});
