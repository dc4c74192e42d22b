import t from 'tap';
import { answer, API_PASSWORD, callFrom, callFromTrusted, registerTrunk, sippCallId, startCallStack, trunk, type Trunk } from '../helpers/call-harness.js';
import { apiClient } from '../helpers/api-client.js';
import { freePort } from '../helpers/free-port.js';
import { runCli, type LogLine } from '../helpers/server-process.js';
import { describeSipp, type SippResult } from '../helpers/sipp.js';

/**
 * Call detail records end to end (docs/operations.md "Call detail records"):
 * SIPp calls of each kind through the real server produce one record each,
 * with the expected fields; the API shows each record to the roles whose
 * numbers took part and to nobody else, hides a withheld number from the
 * called customer, exports CSV; `npm run cdr` reads the same records.
 */
const PEER_IP = '127.0.0.3';
const N = {
  alice: '0312340101', // the caller
  bob: '0312340102', // answers
  carl: '0312340103', // answers 486
  dan: '0312340104', // forwards to bob on no answer (5 s)
  carol: '0312340105', // blocks BLOCKED, rejects anonymous calls
  pilot: '0312340106', // hunt group: pilot (not registered), member hank
  hank: '0312340107',
  zed: '0322220001', // another voice group's number
};
const BLOCKED = '0612345678';
const WITHHELD = '0698765432';
const OFFNET = '0399990000';

const t_: Record<string, Trunk> = {};
for (const name of ['alice', 'bob', 'carl', 'dan', 'carol', 'pilot', 'hank', 'zed']) t_[name] = await trunk(name, `${name}-pw-12345`);
const line = (name: keyof typeof N) => ({ sipId: name, password: t_[name]!.password, auth: 'digest', channels: 4, basicNumber: N[name] });
const carrier = { port: await freePort() };
const stack = await startCallStack(
  {
    voiceGroups: [
      {
        id: 'VG1',
        name: 'Records',
        sites: [
          {
            id: '1000001',
            name: 'Head office',
            lines: [line('alice'), line('bob'), line('carl'), line('dan'), line('carol'), line('pilot'), line('hank')],
            huntGroups: [{ id: 'hg', pilot: N.pilot, members: [N.hank], mode: 'sequential' }],
          },
        ],
      },
      { id: 'VG2', name: 'Other', sites: [{ id: '2000001', name: 'Elsewhere', lines: [line('zed')] }] },
    ],
    features: {
      [N.dan]: { forwarding: { enabled: true, noAnswer: true, ringTime: 5, destinations: [N.bob] } },
      [N.carol]: { blockedCallers: [BLOCKED], anonymousRejection: true },
    },
    routing: {
      peers: [{ name: 'pstn', addresses: [PEER_IP] }],
      outboundRoutes: [{ name: 'carrier', prefix: '0', target: `127.0.0.1:${carrier.port}`, transport: 'udp' }],
    },
  },
  1,
  { api: true },
);
const node = stack.nodes[0]!;
const config = stack.configs[0]!;
for (const name of ['bob', 'carl', 'dan', 'hank']) await registerTrunk(node, t_[name]!);

const api = apiClient(config.apiPort!);
const operator = await api.login('operator', API_PASSWORD);
const accounts = {
  vg1: { name: 'vg1-admin', role: 'voice-group-admin', voiceGroupId: 'VG1' },
  vg2: { name: 'vg2-admin', role: 'voice-group-admin', voiceGroupId: 'VG2' },
  site: { name: 'hq-admin', role: 'site-admin', siteId: '1000001' },
  bob: { name: 'bob-user', role: 'number-user', number: N.bob },
  carol: { name: 'carol-user', role: 'number-user', number: N.carol },
};
const tokens: Record<string, string> = {};
for (const [key, account] of Object.entries(accounts)) {
  const created = await api.post(operator, '/accounts', { ...account, password: 'Customer2026' });
  if (created.status !== 201) throw new Error(`account ${account.name}: ${created.status} ${created.text}`);
  tokens[key] = await api.login(account.name, 'Customer2026');
}

interface RecordView {
  callId: string;
  callingNumber?: string;
  presentedNumber?: string;
  presentation: string;
  calledNumber: string;
  origin: { kind: string; name?: string };
  delivered?: { kind: string; name?: string; number?: string };
  status: number;
  outcome: string;
  endedBy: string;
  endReason: string;
  answeredAt?: string;
  durationSeconds: number;
  forwards: Array<{ from: string; to: string; reason: string }>;
  decisions: Array<{ stage: string; outcome: string; target?: string; reason?: string }>;
  node?: string;
}

/** Every record the token's account may read (this test's calls are all within the last hour). */
async function recordsFor(token: string, query = ''): Promise<RecordView[]> {
  const res = await api.get(token, `/cdrs?from=${encodeURIComponent(new Date(Date.now() - 3600_000).toISOString())}${query}`);
  if (res.status !== 200) throw new Error(`GET /cdrs: ${res.status} ${res.text}`);
  return (res.json() as { records: RecordView[] }).records;
}

/** Waits for the call's `call.record` event (written when the call ends) and returns it. */
async function recorded(since: number, call: SippResult): Promise<LogLine> {
  const callId = sippCallId(call);
  return node.waitForEvent('call.record', { since, where: (l) => l.callId === callId, timeoutMs: 15_000 });
}

const calls: Record<string, string> = {};

t.test('answered: times, numbers, delivered line, hung up by the caller', async (t) => {
  const since = node.mark();
  const callee = await answer(node, 'call-callee.xml', t_.bob!);
  const call = await callFrom(node, t_.alice!, { called: N.bob, from: N.alice, expect: 200, holdMs: 1200 });
  t.equal(call.code, 0, 'answered', describeSipp(call));
  t.equal((await callee.done).code, 0);
  const logged = await recorded(since, call);
  t.equal(logged.outcome, 'answered', 'call.record logged');
  calls.answered = sippCallId(call)!;
  const r = (await recordsFor(operator)).find((x) => x.callId === calls.answered);
  t.ok(r, 'readable through the API');
  t.equal(r?.callingNumber, N.alice);
  t.equal(r?.presentedNumber, N.alice);
  t.equal(r?.calledNumber, N.bob);
  t.same(r?.origin, { kind: 'line', name: 'alice' });
  t.same(r?.delivered, { kind: 'line', name: 'bob', number: N.bob });
  t.equal(r?.status, 200);
  t.equal(r?.endedBy, 'caller', 'the caller sent the BYE');
  t.equal(r?.endReason, 'BYE');
  t.ok(r?.answeredAt, 'answer time');
  t.ok((r?.durationSeconds ?? -1) >= 1, 'held about a second');
  t.equal(r?.node, config.nodeId);
  t.ok(
    r?.decisions.some((d) => d.stage === 'origination'),
    'the origination decision',
  );
});

t.test('busy: the line answered 486', async (t) => {
  const since = node.mark();
  const callee = await answer(node, 'call-callee-busy.xml', t_.carl!);
  const call = await callFrom(node, t_.alice!, { called: N.carl, from: N.alice, expect: 486 });
  t.equal(call.code, 0, '486', describeSipp(call));
  await callee.done;
  await recorded(since, call);
  calls.busy = sippCallId(call)!;
  const r = (await recordsFor(operator)).find((x) => x.callId === calls.busy);
  t.equal(r?.outcome, 'busy');
  t.equal(r?.status, 486);
  t.equal(r?.endedBy, 'callee');
  t.match(r?.endReason, /^486 /);
  t.equal(r?.answeredAt, undefined);
  t.equal(r?.durationSeconds, 0);
});

t.test('no answer, then forwarded: the chain, the forwarding decision, delivered to the destination', async (t) => {
  const since = node.mark();
  const ringing = await answer(node, 'call-callee-ring.xml', t_.dan!);
  const dest = await answer(node, 'call-callee.xml', t_.bob!);
  const call = await callFrom(node, t_.alice!, { called: N.dan, from: N.alice, expect: 200 });
  t.equal(call.code, 0, 'answered by bob after the ring time', describeSipp(call));
  await ringing.done;
  await dest.done;
  await recorded(since, call);
  calls.forwarded = sippCallId(call)!;
  const r = (await recordsFor(operator)).find((x) => x.callId === calls.forwarded);
  t.same(r?.forwards, [{ from: N.dan, to: N.bob, reason: 'no-answer' }]);
  t.equal(r?.calledNumber, N.dan, 'the number dialled');
  t.same(r?.delivered, { kind: 'line', name: 'bob', number: N.bob }, 'the line that answered');
  t.ok(
    r?.decisions.some((d) => d.stage === 'forwarding' && d.outcome === 'retarget' && d.target === N.bob),
    'the forwarding decision after the offer',
  );
  t.equal(r?.outcome, 'answered');
});

t.test('blocked: 603 with the nuisance-blocking decision, never offered', async (t) => {
  const since = node.mark();
  const call = await callFromTrusted(node, { ip: PEER_IP, called: N.carol, from: `<sip:${BLOCKED}@pstn.invalid;user=phone>`, expect: 603 });
  t.equal(call.code, 0, '603', describeSipp(call));
  await recorded(since, call);
  calls.blocked = sippCallId(call)!;
  const r = (await recordsFor(operator)).find((x) => x.callId === calls.blocked);
  t.same(r?.origin, { kind: 'peer', name: 'pstn' });
  t.equal(r?.callingNumber, BLOCKED);
  t.equal(r?.status, 603);
  t.equal(r?.outcome, 'rejected');
  t.equal(r?.endedBy, 'system');
  t.equal(r?.delivered, undefined, 'not offered');
  t.ok(
    r?.decisions.some((d) => d.stage === 'nuisance-blocking' && d.outcome === 'reject'),
    'blocked by the list',
  );
});

t.test('anonymous rejected: 433; the operator sees the asserted number, the customer does not', async (t) => {
  const since = node.mark();
  const call = await callFromTrusted(node, {
    ip: PEER_IP,
    called: N.carol,
    from: '"Anonymous" <sip:anonymous@anonymous.invalid>',
    privacy: 'id',
    extraHeader: `P-Asserted-Identity: <sip:${WITHHELD}@pstn.invalid;user=phone>`,
    expect: 433,
  });
  t.equal(call.code, 0, '433', describeSipp(call));
  await recorded(since, call);
  calls.anonymous = sippCallId(call)!;
  const r = (await recordsFor(operator)).find((x) => x.callId === calls.anonymous);
  t.equal(r?.status, 433);
  t.equal(r?.presentation, 'withheld');
  t.equal(r?.callingNumber, WITHHELD, 'the operator sees who really called');
  t.ok(
    r?.decisions.some((d) => d.stage === 'anonymous-rejection' && d.outcome === 'reject'),
    'rejected by anonymous-call rejection',
  );
  for (const key of ['vg1', 'site', 'carol']) {
    const mine = (await recordsFor(tokens[key]!)).find((x) => x.callId === calls.anonymous);
    t.ok(mine, `${key}: sees the call`);
    t.equal(mine?.callingNumber, undefined, `${key}: not the withheld number`);
    t.notOk(JSON.stringify(mine).includes(WITHHELD), `${key}: the number appears nowhere in the record`);
    t.same(mine?.origin, { kind: 'peer' }, `${key}: not the peer's name`);
  }
});

t.test('hunt: the pilot skipped (not registered), the member answered', async (t) => {
  const since = node.mark();
  const member = await answer(node, 'call-callee.xml', t_.hank!);
  const call = await callFrom(node, t_.alice!, { called: N.pilot, from: N.alice, expect: 200 });
  t.equal(call.code, 0, 'answered', describeSipp(call));
  await member.done;
  await recorded(since, call);
  calls.hunt = sippCallId(call)!;
  const r = (await recordsFor(operator)).find((x) => x.callId === calls.hunt);
  t.same(r?.delivered, { kind: 'line', name: 'hank', number: N.hank }, 'the member reached');
  t.ok(
    r?.decisions.some((d) => d.stage === 'hunt-group' && d.outcome === 'skip' && d.target === N.pilot),
    'the pilot skipped',
  );
});

t.test('outbound: delivered to the route', async (t) => {
  const since = node.mark();
  const far = await answer(node, 'call-callee.xml', carrier);
  const call = await callFrom(node, t_.alice!, { called: OFFNET, from: N.alice, expect: 200 });
  t.equal(call.code, 0, 'answered by the carrier', describeSipp(call));
  await far.done;
  await recorded(since, call);
  calls.outbound = sippCallId(call)!;
  const r = (await recordsFor(operator)).find((x) => x.callId === calls.outbound);
  t.same(r?.delivered, { kind: 'route', name: 'carrier', number: OFFNET });
  t.ok(
    r?.decisions.some((d) => d.stage === 'outbound-route' && d.outcome === 'route'),
    'the route decision',
  );
  const customer = (await recordsFor(tokens.vg1!)).find((x) => x.callId === calls.outbound);
  t.same(customer?.delivered, { kind: 'route' }, "the customer sees that it left by a route, not the carrier's name");
});

t.test('each record is read by the roles whose numbers took part, and by nobody else', async (t) => {
  const ids = (records: RecordView[]) => new Set(records.map((r) => r.callId));
  const all = Object.values(calls);
  t.equal(all.length, 7, 'seven calls recorded');
  const vg1 = ids(await recordsFor(tokens.vg1!));
  const site = ids(await recordsFor(tokens.site!));
  for (const id of all) {
    t.ok(vg1.has(id), `vg1 admin sees ${id}`);
    t.ok(site.has(id), `site admin sees ${id}`);
  }
  const vg2 = await recordsFor(tokens.vg2!);
  t.same(vg2, [], 'the other voice group sees none of them');
  const bob = ids(await recordsFor(tokens.bob!));
  t.ok(bob.has(calls.answered!) && bob.has(calls.forwarded!), "bob's user sees the calls bob answered");
  t.notOk(bob.has(calls.busy!) || bob.has(calls.blocked!) || bob.has(calls.hunt!), "and not other numbers' calls");
  const carol = ids(await recordsFor(tokens.carol!));
  t.same([...carol].sort(), [calls.anonymous!, calls.blocked!].sort(), "carol's user: only the calls to carol");
  const bobForwarded = (await recordsFor(tokens.bob!)).find((r) => r.callId === calls.forwarded);
  t.same(bobForwarded?.forwards, [{ from: N.dan, to: N.bob, reason: 'no-answer' }], 'the destination sees the forward that reached it');
  const busyForAlice = (await recordsFor(tokens.bob!)).find((r) => r.callId === calls.busy);
  t.equal(busyForAlice, undefined);
});

t.test('a customer cannot ask for another voice group, site or number', async (t) => {
  t.equal((await api.get(tokens.vg2, '/cdrs?voiceGroup=VG1')).status, 404, 'another voice group: not found');
  t.same(await recordsFor(tokens.vg2!, `&number=${N.bob}`), [], "another group's number: nothing");
  t.same(await recordsFor(tokens.bob!, `&number=${N.carl}`), [], 'a number user naming another number: nothing');
  t.same(await recordsFor(tokens.vg2!, '&site=1000001'), [], 'another site: nothing');
  t.equal((await api.get(undefined, '/cdrs')).status, 401, 'no token: 401');
  t.equal((await api.get(undefined, '/cdrs.csv')).status, 401, 'no token: 401 for CSV');
  const narrowed = await recordsFor(tokens.vg1!, `&number=${N.carol}`);
  t.same(narrowed.map((r) => r.callId).sort(), [calls.anonymous!, calls.blocked!].sort(), 'a filter narrows within the own scope');
});

t.test('CSV export: a header and one row per record the account may read', async (t) => {
  const res = await api.get(tokens.site, `/cdrs.csv?from=${encodeURIComponent(new Date(Date.now() - 3600_000).toISOString())}`);
  t.equal(res.status, 200);
  t.match(res.headers.get('content-type') ?? '', /^text\/csv/);
  const rows = res.text.trimEnd().split('\r\n');
  t.match(
    rows[0],
    /^id,callId,startedAt,answeredAt,endedAt,durationSeconds,callingNumber,presentedNumber,presentation,calledNumber,origin,delivered,status,outcome/,
  );
  t.equal(rows.length, 1 + 7, 'seven records');
  const blocked = rows.find((r) => r.includes(calls.blocked!));
  t.match(blocked, /,603,rejected,system,/);
  const anonymous = rows.find((r) => r.includes(calls.anonymous!));
  t.notOk(anonymous?.includes(WITHHELD), 'no withheld number in the CSV');
  const vg2 = await api.get(tokens.vg2, '/cdrs.csv');
  t.equal(vg2.text.trimEnd().split('\r\n').length, 1, 'another voice group: the header only');
});

t.test('npm run cdr reads the same records', async (t) => {
  const csv = await runCli('cdr', ['--config', config.file, '--since', '1h', '--csv']);
  t.equal(csv.code, 0, csv.stderr);
  for (const id of Object.values(calls)) t.ok(csv.stdout.includes(id), `CSV has ${id}`);
  t.match(csv.stdout, new RegExp(WITHHELD), 'the operator tool shows the real number');
  const json = await runCli('cdr', ['--config', config.file, '--since', '1h', '--json', '--number', N.carol]);
  t.equal(json.code, 0, json.stderr);
  const parsed = JSON.parse(json.stdout) as RecordView[];
  t.same(parsed.map((r) => r.callId).sort(), [calls.anonymous!, calls.blocked!].sort(), '--number filters');
  const bad = await runCli('cdr', ['--config', config.file, '--since', 'yesterday-ish']);
  t.equal(bad.code, 2, 'an unreadable time is a usage error');
});
