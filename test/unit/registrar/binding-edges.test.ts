import t from 'tap';
import type { NameAddr } from '../../../src/core/messages/index.js';
import { remainingSeconds, type Binding } from '../../../src/registrar/binding.js';
import {
  applyRegister,
  normalizeContactKey,
  parseDeltaSeconds,
  parseQ,
  type RegisterInput,
  type RegistrarLimits,
} from '../../../src/registrar/binding-rules.js';
import { lineStateChanges } from '../../../src/registrar/line-state.js';

/**
 * The edges of the REGISTER rules (RFC 3261 §10.3) that binding-rules.test.ts
 * leaves open: expiry boundaries, exact refusals, instance keys, contact keys.
 */

const limits: RegistrarLimits = { minExpires: 60, maxExpires: 3600, defaultExpires: 1800, maxContacts: 3 };
const NOW = 1_000_000_000;
const source = { transport: 'UDP' as const, address: '192.0.2.1', port: 5070, node: 'n1' };

function contact(uri: string, params: Record<string, string | null> = {}): NameAddr {
  return { uri, params };
}

function register(current: Binding[], contacts: RegisterInput['contacts'], over: Partial<RegisterInput> = {}) {
  return applyRegister(current, { contacts, expiresHeader: undefined, callId: 'call-1', cseq: 1, now: NOW, template: { path: [], source }, ...over }, limits);
}

function ok(decision: ReturnType<typeof register>) {
  if (!decision.ok) throw new Error(`expected success, got ${decision.status} ${decision.reason}`);
  return decision;
}

function binding(uri: string, expiresAt: number, over: Partial<Binding> = {}): Binding {
  return { key: normalizeContactKey(uri), uri, expiresAt, callId: 'call-1', cseq: 1, path: [], source, registeredAt: NOW - 1000, ...over };
}

t.test('a binding expiring exactly now is gone', async (t) => {
  const d = ok(register([binding('sip:a@h', NOW)], []));
  t.same(d.bindings, [], 'not returned by a query');
  t.same(lineStateChanges([binding('sip:a@h', NOW)], [], NOW), ['expired'], 'it ran out, it was not removed');
  t.same(lineStateChanges([], [binding('sip:a@h', NOW + 1)], NOW), ['registered']);
  t.same(lineStateChanges([], [binding('sip:a@h', NOW)], NOW), [], 'a binding already expired registers nothing');
  t.same(lineStateChanges([], [], NOW), [], 'nothing before or after');
});

t.test('Contact: * — the refusals and the removal, exactly', async (t) => {
  const live = binding('sip:a@h', NOW + 60_000, { cseq: 5 });
  t.same(register([live], '*'), { ok: false, status: 400, reason: 'Contact: * requires Expires: 0' });
  t.same(register([live], '*', { expiresHeader: '0', cseq: 5 }), { ok: false, status: 500, reason: 'Out of order request' });
  t.same(
    register([live], '*', { expiresHeader: '0', callId: 'call-2', cseq: 1 }),
    { ok: true, bindings: [], added: [], refreshed: [], removed: [live] },
    'another Call-ID: any CSeq removes',
  );
});

t.test('refusals name their reason', async (t) => {
  t.same(register([], [contact('not a uri')]), { ok: false, status: 400, reason: 'Bad Contact URI' });
  t.same(register([], [contact('sip:a@h', { q: '2' })]), { ok: false, status: 400, reason: 'Bad q-value' });
  const first = ok(register([], [contact('sip:a@h')], { cseq: 5 }));
  t.same(register(first.bindings, [contact('sip:a@h')], { cseq: 5 }), { ok: false, status: 500, reason: 'Out of order request' });
  const full = ok(register([], [contact('sip:a@h1'), contact('sip:a@h2'), contact('sip:a@h3')]));
  t.same(register(full.bindings, [contact('sip:a@h4')], { cseq: 2 }), { ok: false, status: 403, reason: 'Too many contacts (limit 3)' });
});

t.test('the same contact twice in one request: the first one wins', async (t) => {
  const d = ok(register([], [contact('sip:a@h', { expires: '100' }), contact('sip:a@h', { expires: '200' })]));
  t.equal(d.bindings.length, 1);
  t.equal(d.added.length, 1);
  t.equal(d.bindings[0]!.expiresAt, NOW + 100_000);
});

t.test('removing a contact that is not bound removes nothing', async (t) => {
  const d = ok(register([binding('sip:a@h1', NOW + 60_000)], [contact('sip:a@h2', { expires: '0' })], { cseq: 2 }));
  t.same(d.removed, []);
  t.equal(d.bindings.length, 1);
});

t.test('a binding carries what was sent, and nothing that was not', async (t) => {
  const plain = ok(register([], [contact('sip:a@h')])).bindings[0]!;
  t.notOk('q' in plain, 'no q');
  t.notOk('instance' in plain || 'regId' in plain || 'userAgent' in plain, 'no instance, reg-id or User-Agent');
  const full = ok(
    register([], [contact('sip:a@h', { q: '0.5', '+sip.instance': '"<urn:uuid:1>"', 'reg-id': '1' })], {
      template: { path: ['<sip:edge;lr>'], source, userAgent: 'PBX/1.0' },
    }),
  ).bindings[0]!;
  t.match(full, { q: 0.5, instance: '<urn:uuid:1>', regId: '1', userAgent: 'PBX/1.0', path: ['<sip:edge;lr>'], key: '<urn:uuid:1>|1' });
});

t.test('the instance and reg-id make the key only together (RFC 5626)', async (t) => {
  const key = (params: Record<string, string | null>) => ok(register([], [contact('sip:a@h', params)])).bindings[0]!.key;
  t.equal(key({ '+sip.instance': '"<urn:uuid:1>"' }), 'sip:a@h:5060', 'instance alone: the URI');
  t.equal(key({ 'reg-id': '1' }), 'sip:a@h:5060', 'reg-id alone: the URI');
  t.equal(key({ '+sip.instance': null, 'reg-id': '1' }), 'sip:a@h:5060', 'an instance without a value: the URI');
  t.equal(key({ '+sip.instance': 'x"<urn:uuid:1>"', 'reg-id': '1' }), 'x"<urn:uuid:1>"|1', 'quotes not around the whole value stay');
  t.equal(key({ '+sip.instance': '"<urn:uuid:1>"x', 'reg-id': '1' }), '"<urn:uuid:1>"x|1');
});

t.test('delta-seconds and q-value edges', async (t) => {
  t.equal(parseDeltaSeconds(null), undefined);
  t.equal(parseDeltaSeconds('60abc'), undefined, 'digits then junk');
  t.equal(parseQ(null), null, 'q without a value is malformed');
  t.equal(parseQ('0'), 0);
  t.equal(parseQ('1'), 1);
  t.equal(parseQ('1.00'), 1);
  t.equal(parseQ('1.000'), 1);
  t.equal(parseQ(' 0.5 '), 0.5, 'spaces around');
  t.equal(parseQ('x0.5'), null, 'junk before');
  t.equal(parseQ('0.5x'), null, 'junk after');
});

t.test('contact keys: RFC 3261 §19.1.4 equality in one string', async (t) => {
  t.equal(normalizeContactKey('not a uri'), 'not a uri', 'unparsable: the text itself');
  t.equal(normalizeContactKey('SIP:a@HOST.Example'), 'sip:a@host.example:5060', 'scheme and host lower case, default port');
  t.equal(normalizeContactKey('sips:a@h'), 'sips:a@h:5061', 'sips default port');
  t.equal(normalizeContactKey('sip:h:5070'), 'sip:h:5070', 'no user part');
  t.equal(normalizeContactKey('sip:a@h;c=3;LR;b=X;a=1'), 'sip:a@h:5060;a=1;b=x;c=3;lr', 'parameters sorted, lower case, flags bare');
  t.equal(normalizeContactKey('sip:a@h;b=1;a=2'), normalizeContactKey('sip:a@h;a=2;b=1'));
});

t.test('remaining seconds: rounded, never negative', async (t) => {
  t.equal(remainingSeconds(binding('sip:a@h', NOW + 1500), NOW), 2);
  t.equal(remainingSeconds(binding('sip:a@h', NOW + 1400), NOW), 1);
  t.equal(remainingSeconds(binding('sip:a@h', NOW - 5000), NOW), 0);
});
