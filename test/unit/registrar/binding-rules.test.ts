import t from 'tap';
import type { NameAddr } from '../../../src/core/messages/index.js';
import type { Binding } from '../../../src/registrar/binding.js';
import {
  applyRegister,
  normalizeContactKey,
  parseDeltaSeconds,
  parseQ,
  type RegisterDecision,
  type RegisterInput,
  type RegistrarLimits,
} from '../../../src/registrar/binding-rules.js';

const limits: RegistrarLimits = { minExpires: 60, maxExpires: 3600, defaultExpires: 1800, maxContacts: 3 };
const NOW = 1_000_000_000;
const source = { transport: 'UDP' as const, address: '192.0.2.1', port: 5070, node: 'n1' };

function contact(uri: string, params: Record<string, string | null> = {}): NameAddr {
  return { uri, params };
}

function input(contacts: RegisterInput['contacts'], over: Partial<RegisterInput> = {}): RegisterInput {
  return { contacts, expiresHeader: undefined, callId: 'call-1', cseq: 1, now: NOW, template: { path: [], source }, ...over };
}

function register(current: Binding[], contacts: RegisterInput['contacts'], over: Partial<RegisterInput> = {}) {
  return applyRegister(current, input(contacts, over), limits);
}

function ok(decision: ReturnType<typeof register>) {
  if (!decision.ok) throw new Error(`expected success, got ${decision.status} ${decision.reason}`);
  return decision;
}

t.test('a new contact is added with the default expiry', async (t) => {
  const d = ok(register([], [contact('sip:pbx@192.0.2.1:5070')]));
  t.equal(d.added.length, 1);
  t.equal(d.bindings[0]!.expiresAt, NOW + 1800_000);
  t.same(d.bindings[0]!.source, source);
});

t.test('expiry: contact parameter beats the Expires header, which beats the default', async (t) => {
  t.equal(ok(register([], [contact('sip:a@h')], { expiresHeader: '600' })).bindings[0]!.expiresAt, NOW + 600_000);
  t.equal(ok(register([], [contact('sip:a@h', { expires: '120' })], { expiresHeader: '600' })).bindings[0]!.expiresAt, NOW + 120_000);
  t.equal(
    ok(register([], [contact('sip:a@h', { expires: 'junk' })], { expiresHeader: '600' })).bindings[0]!.expiresAt,
    NOW + 600_000,
    'malformed contact expires falls back',
  );
});

t.test('too brief: 423 with Min-Expires; too long: clamped', async (t) => {
  const brief = register([], [contact('sip:a@h', { expires: '30' })]);
  t.same(brief, { ok: false, status: 423, reason: 'Interval Too Brief', minExpires: 60 });
  // The boundary (RFC 3261 §10.3 step 7): exactly Min-Expires is enough, one second less is not.
  t.equal(ok(register([], [contact('sip:a@h', { expires: '60' })])).bindings[0]!.expiresAt, NOW + 60_000, 'exactly Min-Expires');
  t.equal(ok(register([], [contact('sip:a@h')], { expiresHeader: '60' })).bindings[0]!.expiresAt, NOW + 60_000, 'Expires header at Min-Expires');
  t.same(register([], [contact('sip:a@h', { expires: '59' })]), { ok: false, status: 423, reason: 'Interval Too Brief', minExpires: 60 });
  t.same(register([], [contact('sip:a@h')], { expiresHeader: '59' }), { ok: false, status: 423, reason: 'Interval Too Brief', minExpires: 60 });
  t.equal(ok(register([], [contact('sip:a@h')], { expiresHeader: '999999' })).bindings[0]!.expiresAt, NOW + 3600_000);
});

t.test('refresh keeps registeredAt and moves the expiry', async (t) => {
  const first = ok(register([], [contact('sip:a@h')]));
  const later = ok(register(first.bindings, [contact('sip:a@h')], { cseq: 2, now: NOW + 60_000 }));
  t.equal(later.refreshed.length, 1);
  t.equal(later.added.length, 0);
  t.equal(later.bindings[0]!.registeredAt, NOW);
  t.equal(later.bindings[0]!.expiresAt, NOW + 60_000 + 1800_000);
});

t.test('equal URIs match one binding (case of host, default port, param order)', async (t) => {
  const first = ok(register([], [contact('sip:a@HOST.example;transport=udp;lr')]));
  const again = ok(register(first.bindings, [contact('sip:a@host.example:5060;lr;transport=UDP')], { cseq: 2 }));
  t.equal(again.bindings.length, 1);
  t.equal(again.refreshed.length, 1);
  t.not(normalizeContactKey('sip:A@h'), normalizeContactKey('sip:a@h'), 'user part is case-sensitive');
});

t.test('Expires 0 removes one contact; others stay', async (t) => {
  const two = ok(register([], [contact('sip:a@h1'), contact('sip:a@h2')]));
  const d = ok(register(two.bindings, [contact('sip:a@h1', { expires: '0' })], { cseq: 2 }));
  t.equal(d.removed.length, 1);
  t.same(
    d.bindings.map((b) => b.uri),
    ['sip:a@h2'],
  );
});

t.test('Contact: * with Expires: 0 removes everything; without it is a 400', async (t) => {
  const two = ok(register([], [contact('sip:a@h1'), contact('sip:a@h2')]));
  const d = ok(register(two.bindings, '*', { expiresHeader: '0', cseq: 2 }));
  t.equal(d.removed.length, 2);
  t.same(d.bindings, []);
  const bad = register(two.bindings, '*', { expiresHeader: '60', cseq: 2 });
  t.match(bad, { ok: false, status: 400 });
});

t.test('Call-ID/CSeq ordering: an old or repeated CSeq from the same Call-ID fails', async (t) => {
  const first = ok(register([], [contact('sip:a@h')], { cseq: 5 }));
  t.match(register(first.bindings, [contact('sip:a@h')], { cseq: 5 }), { ok: false, status: 500 });
  t.match(register(first.bindings, [contact('sip:a@h')], { cseq: 4 }), { ok: false, status: 500 });
  t.match(register(first.bindings, '*', { expiresHeader: '0', cseq: 3 }), { ok: false, status: 500 });
  t.same(
    register(first.bindings, '*', { expiresHeader: '0', cseq: 5 }),
    { ok: false, status: 500, reason: 'Out of order request' },
    'Contact: * with an equal CSeq',
  );
  t.equal(ok(register(first.bindings, '*', { expiresHeader: '0', cseq: 6 })).removed.length, 1, 'Contact: * with a higher CSeq');
  // A different Call-ID (the device rebooted) replaces the binding whatever its CSeq.
  const reboot = ok(register(first.bindings, [contact('sip:a@h')], { callId: 'call-2', cseq: 1 }));
  t.equal(reboot.bindings[0]!.callId, 'call-2');
});

t.test('q-values are kept and validated', async (t) => {
  const d = ok(register([], [contact('sip:a@h1', { q: '0.5' }), contact('sip:a@h2', { q: '1.0' })]));
  t.same(
    d.bindings.map((b) => b.q),
    [0.5, 1],
  );
  t.match(register([], [contact('sip:a@h', { q: '1.5' })]), { ok: false, status: 400 });
  t.equal(parseQ('0.125'), 0.125);
  t.equal(parseQ('0.1234'), null);
  t.equal(parseQ(undefined), undefined);
});

t.test('contact limit: a new contact beyond it is refused, refreshes are not', async (t) => {
  const three = ok(register([], [contact('sip:a@h1'), contact('sip:a@h2'), contact('sip:a@h3')]));
  t.match(register(three.bindings, [contact('sip:a@h4')], { cseq: 2 }), { ok: false, status: 403 });
  t.ok(register(three.bindings, [contact('sip:a@h1')], { cseq: 2 }).ok);
});

t.test('a line over the limit (the limit was lowered) still refreshes, queries and removes', async (t) => {
  const three = ok(register([], [contact('sip:a@h1'), contact('sip:a@h2'), contact('sip:a@h3')]));
  const lowered: RegistrarLimits = { ...limits, maxContacts: 1 };
  const uris = (d: RegisterDecision) => (d.ok ? d.bindings.map((b) => b.uri) : d);
  const refresh = applyRegister(three.bindings, input([contact('sip:a@h1')], { cseq: 2 }), lowered);
  t.match(refresh, { ok: true, refreshed: [{ uri: 'sip:a@h1' }], added: [] }, 'refresh');
  t.same(uris(refresh), ['sip:a@h1', 'sip:a@h2', 'sip:a@h3'], 'refresh keeps all three');
  const query = applyRegister(three.bindings, input([], { cseq: 2 }), lowered);
  t.same(uris(query), ['sip:a@h1', 'sip:a@h2', 'sip:a@h3'], 'query');
  const remove = applyRegister(three.bindings, input([contact('sip:a@h1', { expires: '0' })], { cseq: 2 }), lowered);
  t.same(uris(remove), ['sip:a@h2', 'sip:a@h3'], 'remove');
  // Still over the lowered limit: nothing new comes in.
  const extra = applyRegister(three.bindings, input([contact('sip:a@h4')], { cseq: 2 }), lowered);
  t.match(extra, { ok: false, status: 403 }, 'a new contact is refused');
});

t.test('expired bindings do not count and are not returned', async (t) => {
  const old = ok(register([], [contact('sip:a@h1', { expires: '60' }), contact('sip:a@h2'), contact('sip:a@h3')]));
  const d = ok(register(old.bindings, [contact('sip:a@h4')], { cseq: 2, now: NOW + 61_000 }));
  t.same(d.bindings.map((b) => b.uri).sort(), ['sip:a@h2', 'sip:a@h3', 'sip:a@h4']);
});

t.test('RFC 5626 instance and reg-id identify the binding across contact changes', async (t) => {
  const params = { '+sip.instance': '"<urn:uuid:00000000-0000-1000-8000-000A95A0E128>"', 'reg-id': '1' };
  const first = ok(register([], [contact('sip:a@192.0.2.1:5070', params)]));
  const moved = ok(register(first.bindings, [contact('sip:a@198.51.100.7:6000', params)], { cseq: 2 }));
  t.equal(moved.bindings.length, 1);
  t.equal(moved.bindings[0]!.uri, 'sip:a@198.51.100.7:6000');
  t.equal(moved.bindings[0]!.instance, '<urn:uuid:00000000-0000-1000-8000-000A95A0E128>');
});

t.test('an empty contact list is a query: nothing changes', async (t) => {
  const first = ok(register([], [contact('sip:a@h')]));
  const q = ok(register(first.bindings, [], { cseq: 2 }));
  t.same(q.bindings, first.bindings);
  t.same([q.added, q.refreshed, q.removed], [[], [], []]);
});

t.test('delta-seconds', async (t) => {
  t.equal(parseDeltaSeconds(' 3600 '), 3600);
  t.equal(parseDeltaSeconds('4294967295'), 4294967295);
  t.equal(parseDeltaSeconds('4294967296'), undefined);
  t.equal(parseDeltaSeconds('-1'), undefined);
  t.equal(parseDeltaSeconds(undefined), undefined);
});
