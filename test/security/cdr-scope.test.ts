import t from 'tap';
import { API_PASSWORD, callFromTrusted, registerTrunk, answer, startCallStack, trunk, sippCallId } from '../helpers/call-harness.js';
import { apiClient } from '../helpers/api-client.js';
import { RawSipClient, randomToken } from '../helpers/raw-sip-client.js';
import { describeSipp } from '../helpers/sipp.js';

/**
 * Attacks on call detail records against the real server process: a customer
 * of another voice group reaching for a group's call history by every
 * filter (refused, logged, nothing leaks), unauthenticated INVITEs trying to
 * fill the store with records (none written), and a dialled string built to
 * run as a spreadsheet formula in the CSV export (defused).
 */
const PEER_IP = '127.0.0.3';
const VICTIM = '0312340301';
const victim = await trunk('victim', 'victim-pw-12345');
const stack = await startCallStack(
  {
    voiceGroups: [
      {
        id: 'VG1',
        name: 'Victim Co',
        sites: [{ id: '1000001', name: 'HQ', lines: [{ sipId: victim.sipId, password: victim.password, auth: 'digest', channels: 2, basicNumber: VICTIM }] }],
      },
      {
        id: 'VG2',
        name: 'Attacker Co',
        sites: [
          { id: '2000001', name: 'Den', lines: [{ sipId: 'mallory', password: 'mallory-pw-123', auth: 'digest', channels: 2, basicNumber: '0322220301' }] },
        ],
      },
    ],
    routing: { peers: [{ name: 'pstn', addresses: [PEER_IP] }] },
  },
  1,
  { api: true },
);
const node = stack.nodes[0]!;
await registerTrunk(node, victim);
const api = apiClient(stack.configs[0]!.apiPort!);
const operator = await api.login('operator', API_PASSWORD);
for (const account of [
  { name: 'mallory-admin', role: 'voice-group-admin', voiceGroupId: 'VG2' },
  { name: 'mallory-user', role: 'number-user', number: '0322220301' },
]) {
  const res = await api.post(operator, '/accounts', { ...account, password: 'Mallory2026' });
  if (res.status !== 201) throw new Error(`${account.name}: ${res.status} ${res.text}`);
}
const attacker = await api.login('mallory-admin', 'Mallory2026');
const attackerUser = await api.login('mallory-user', 'Mallory2026');
const from = encodeURIComponent(new Date(Date.now() - 3600_000).toISOString());

// One real call to the victim, so there is something to steal.
const since = node.mark();
const callee = await answer(node, 'call-callee.xml', victim);
const call = await callFromTrusted(node, { ip: PEER_IP, called: VICTIM, from: '<sip:0612345678@pstn.invalid;user=phone>', expect: 200 });
if (call.code !== 0) throw new Error(`setup call failed: ${JSON.stringify(describeSipp(call))}`);
await callee.done;
const victimCall = sippCallId(call)!;
await node.waitForEvent('call.record', { since, where: (l) => l.callId === victimCall, timeoutMs: 15_000 });

t.test("another voice group's admin gets none of the group's call records, by any filter", async (t) => {
  const since = node.mark();
  const byGroup = await api.get(attacker, `/cdrs?from=${from}&voiceGroup=VG1`);
  t.equal(byGroup.status, 404, 'naming the voice group: not found');
  t.notOk(byGroup.text.includes(victimCall));
  const refused = await node.waitForEvent('security.cdr_scope_refused', { since });
  t.equal(refused.account, 'mallory-admin', 'the refusal is logged with the account');
  t.equal(refused.voiceGroup, 'VG1');
  for (const query of [`&site=1000001`, `&number=${VICTIM}`, '', '&limit=10000']) {
    for (const path of ['/cdrs', '/cdrs.csv']) {
      const res = await api.get(attacker, `${path}?from=${from}${query}`);
      t.equal(res.status, 200, `${path}${query}: answered for its own group`);
      t.notOk(res.text.includes(victimCall), `${path}${query}: not the victim's call`);
      t.notOk(res.text.includes(VICTIM), `${path}${query}: not the victim's number`);
    }
  }
  const asUser = await api.get(attackerUser, `/cdrs?from=${from}&number=${VICTIM}`);
  t.notOk(asUser.text.includes(victimCall), "a number user naming the victim's number: nothing");
  t.equal((await api.get(attackerUser, `/cdrs?from=${from}&voiceGroup=VG1`)).status, 404, 'a number user naming the group: not found');
  const operatorView = await api.get(operator, `/cdrs?from=${from}&number=${VICTIM}`);
  t.ok(operatorView.text.includes(victimCall), 'the record exists (the operator reads it)');
});

t.test('unauthenticated INVITEs write no records', async (t) => {
  const since = node.mark();
  const before = (await api.get(operator, `/cdrs?from=${from}`)).json() as { records: unknown[] };
  const flooder = await RawSipClient.open('udp', { port: node.port }, { address: '127.0.0.66' });
  t.teardown(() => flooder.close());
  for (let i = 0; i < 5; i++) {
    const reply = await flooder.request(
      flooder.buildRequest('INVITE', `sip:${VICTIM}@test.example`, [
        ['From', `<sip:0399990000@evil.invalid>;tag=${randomToken()}`],
        ['To', `<sip:${VICTIM}@test.example>`],
        ['Call-ID', `flood-${i}-${randomToken()}@evil.invalid`],
        ['CSeq', '1 INVITE'],
        ['Contact', `<${flooder.contactUri('x')}>`],
      ]),
    );
    t.equal(reply.status, 407, `INVITE ${i}: challenged, not routed`);
  }
  await new Promise((r) => setTimeout(r, 300));
  const after = (await api.get(operator, `/cdrs?from=${from}`)).json() as { records: unknown[] };
  t.equal(after.records.length, before.records.length, 'no record for any of them');
  t.notOk(node.events('call.record', since).length, 'no call.record logged');
});

t.test('a dialled string made to run as a spreadsheet formula is defused in the CSV', async (t) => {
  const since = node.mark();
  const formula = '=1+2';
  const attempt = await callFromTrusted(node, { ip: PEER_IP, called: formula, from: '<sip:0612345678@pstn.invalid;user=phone>', expect: 404 });
  t.equal(attempt.code, 0, '404 for a number that is not ours', describeSipp(attempt));
  const id = sippCallId(attempt)!;
  await node.waitForEvent('call.record', { since, where: (l) => l.callId === id, timeoutMs: 15_000 });
  const csv = await api.get(operator, `/cdrs.csv?from=${from}`);
  const row = csv.text.split('\r\n').find((r) => r.includes(id));
  t.ok(row, 'the attempt is recorded');
  t.ok(row?.includes(`,'${formula},`), 'the cell starts with a quote, not with =');
  t.notOk(row?.includes(`,${formula},`), 'never as a bare formula');
});
