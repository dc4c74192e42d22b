import t from 'tap';
import { parseMessage, type SipRequest } from '../../../src/core/messages/index.js';
import type { Source } from '../../../src/core/transport/transport.js';
import { BanGuard } from '../../../src/security/ban-guard.js';
import type { BindingSource } from '../../../src/security/ban-rules.js';
import type { SecurityStore } from '../../../src/store/security-store.js';

/** A store holding one ban of 192.0.2.10 until t=10 000, where pbx-tokyo is registered from UDP port 5060. */
function fakeStore(): SecurityStore {
  const sources: BindingSource[] = [{ transport: 'UDP', address: '192.0.2.10', port: 5060, sipId: 'pbx-tokyo', expiresAt: 9_000 }];
  return {
    bannedUntil: async () => new Map([['192.0.2.10', 10_000]]),
    bindingSources: async (addresses: readonly string[]) => sources.filter((s) => addresses.includes(s.address)),
  } as unknown as SecurityStore;
}

function request(method: string, opts: { username?: string; toTag?: boolean } = {}): SipRequest {
  const lines = [
    `${method} sip:softswitch.test SIP/2.0`,
    'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-1',
    'Max-Forwards: 70',
    'From: <sip:pbx-tokyo@softswitch.test>;tag=f',
    `To: <sip:pbx-tokyo@softswitch.test>${opts.toTag ? ';tag=t' : ''}`,
    'Call-ID: guard-test',
    `CSeq: 1 ${method}`,
  ];
  if (opts.username)
    lines.push(`Authorization: Digest username="${opts.username}", realm="softswitch.test", nonce="n", uri="sip:softswitch.test", response="0"`);
  lines.push('Content-Length: 0', '', '');
  return parseMessage(Buffer.from(lines.join('\r\n'), 'latin1')) as SipRequest;
}

const from = (address: string, port: number, transport: 'UDP' | 'TCP' = 'UDP'): Source => ({
  transport,
  address,
  port,
  localAddress: '127.0.0.1',
  localPort: 5060,
});

t.test('a banned address is dropped before any work; others are not', async (t) => {
  let now = 1_000;
  const guard = new BanGuard(fakeStore(), 'drop', () => now);
  await guard.refresh();
  t.equal(guard.screen(request('REGISTER', { username: 'pbx-tokyo' }), from('192.0.2.10', 40000)), 'drop', 'a guesser on another port');
  t.equal(guard.screen(request('INVITE'), from('192.0.2.10', 40000)), 'drop', 'any method that starts something');
  t.equal(guard.screen(request('REGISTER', { username: 'pbx-tokyo' }), from('192.0.2.11', 5060)), 'accept', 'another address');
  now = 10_000;
  t.equal(guard.screen(request('REGISTER'), from('192.0.2.10', 40000)), 'accept', 'the ban has ended');
});

t.test('the trunk registered from the banned address keeps being served', async (t) => {
  const guard = new BanGuard(fakeStore(), 'drop', () => 1_000);
  await guard.refresh();
  t.equal(guard.screen(request('REGISTER', { username: 'pbx-tokyo' }), from('192.0.2.10', 5060)), 'accept', 'its own SIP-ID from its binding endpoint');
  t.equal(guard.screen(request('REGISTER'), from('192.0.2.10', 5060)), 'accept', 'its first, unauthenticated REGISTER');
  t.equal(guard.screen(request('REGISTER', { username: 'someone-else' }), from('192.0.2.10', 5060)), 'drop', 'guessing another SIP-ID from there');
  t.equal(guard.screen(request('REGISTER', { username: 'pbx-tokyo' }), from('192.0.2.10', 5060, 'TCP')), 'drop', 'same port, other transport');
});

t.test('in-dialog requests and CANCEL are not screened; 403 when so configured', async (t) => {
  const guard = new BanGuard(fakeStore(), '403', () => 1_000);
  await guard.refresh();
  t.equal(guard.screen(request('BYE', { toTag: true }), from('192.0.2.10', 40000)), 'accept', 'in-dialog');
  t.equal(guard.screen(request('CANCEL'), from('192.0.2.10', 40000)), 'accept', 'CANCEL');
  t.equal(guard.screen(request('OPTIONS'), from('192.0.2.10', 40000)), 'forbid', '403 action');
});

t.test('a ban this node makes applies at once, before the next reload', async (t) => {
  const empty = { bannedUntil: async () => new Map(), bindingSources: async () => [] } as unknown as SecurityStore;
  const guard = new BanGuard(empty, 'drop', () => 1_000);
  await guard.refresh();
  t.equal(guard.screen(request('REGISTER'), from('198.51.100.7', 5060)), 'accept');
  guard.noteBan('198.51.100.7', 5_000, []);
  t.equal(guard.screen(request('REGISTER'), from('198.51.100.7', 5060)), 'drop');
});
