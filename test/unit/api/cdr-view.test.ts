import t from 'tap';
import type { Actor } from '../../../src/api/accounts/roles.js';
import { csvRow, safeCell, viewFor, visibleTo } from '../../../src/api/cdr-view.js';
import type { StoredCallRecord } from '../../../src/store/cdr-store.js';

/**
 * What each account reads of a call record: a caller of VG1 withholding its
 * number calls a number of VG2, which forwards to a number of VG3.
 */
const record: StoredCallRecord = {
  id: '1700000000000-0',
  callId: 'abc@host',
  node: 'node-a',
  startedAt: '2026-11-21T01:00:00.000Z',
  answeredAt: '2026-11-21T01:00:05.000Z',
  endedAt: '2026-11-21T01:01:05.000Z',
  durationSeconds: 60,
  origin: { kind: 'line', name: 'caller-line' },
  callingNumber: '0311110001',
  presentation: 'withheld',
  calledNumber: '0322220001',
  delivered: { kind: 'line', name: 'dest-line', number: '0333330001' },
  decisions: [
    { stage: 'origination', outcome: 'continue', presented: '0311110001', withhold: true, party: '0311110001' },
    { stage: 'forwarding', outcome: 'retarget', targets: ['0333330001'], reason: 'unconditional', party: '0322220001' },
    { stage: 'nuisance-blocking', outcome: 'continue', party: '0333330001' },
    { stage: 'outbound-route', outcome: 'route', target: 'carrier-x' },
  ],
  forwards: [{ from: '0322220001', to: '0333330001', reason: 'unconditional' }],
  callerSource: '192.0.2.7:5060',
  status: 200,
  outcome: 'answered',
  endedBy: 'caller',
  endReason: 'BYE',
  parties: [
    { role: 'caller', sipId: 'caller-line', number: '0311110001', siteId: '1000001', voiceGroupId: 'VG1' },
    { role: 'called', number: '0322220001', siteId: '2000001', voiceGroupId: 'VG2' },
    { role: 'forwarder', number: '0322220001', siteId: '2000001', voiceGroupId: 'VG2' },
    { role: 'delivered', sipId: 'dest-line', number: '0333330001', siteId: '3000001', voiceGroupId: 'VG3' },
  ],
};

const operator: Actor = { name: 'op', role: 'operator' };
const callerAdmin: Actor = { name: 'a1', role: 'voice-group-admin', voiceGroupId: 'VG1' };
const forwarderSite: Actor = { name: 's2', role: 'site-admin', siteId: '2000001' };
const destUser: Actor = { name: 'u3', role: 'number-user', number: '0333330001' };
const stranger: Actor = { name: 'x', role: 'voice-group-admin', voiceGroupId: 'VG9' };
const otherUser: Actor = { name: 'u', role: 'number-user', number: '0333330002' };

t.test('the operator reads everything', async (t) => {
  const v = viewFor(operator, record);
  t.equal(v.callingNumber, '0311110001');
  t.equal(v.node, 'node-a');
  t.equal(v.callerSource, '192.0.2.7:5060');
  t.equal(v.decisions.length, 4);
});

t.test('a customer with no party in the call does not see it', async (t) => {
  t.notOk(visibleTo(stranger, record), 'another voice group');
  t.notOk(visibleTo(otherUser, record), 'another number of the same site');
  t.ok(visibleTo(callerAdmin, record));
  t.ok(visibleTo(forwarderSite, record));
  t.ok(visibleTo(destUser, record));
});

t.test("the caller's customer sees its real number, its own decisions, not the callee's forwarding", async (t) => {
  const v = viewFor(callerAdmin, record);
  t.equal(v.callingNumber, '0311110001', 'its own real number');
  t.same(v.origin, { kind: 'line', name: 'caller-line' });
  t.same(
    v.decisions.map((d) => d.stage),
    ['origination'],
  );
  t.same(v.forwards, [], "the callee's forwarding destination is not the caller's business");
  t.same(v.delivered, { kind: 'line' }, 'nor the line it reached');
  t.same(
    v.parties.map((p) => p.voiceGroupId),
    ['VG1'],
  );
  t.equal(v.node, undefined, 'no node names');
  t.equal(v.callerSource, undefined, 'no addresses');
});

t.test('the called and delivered customers never see a withheld number', async (t) => {
  for (const actor of [forwarderSite, destUser]) {
    const v = viewFor(actor, record);
    t.equal(v.callingNumber, undefined, `${actor.name}: no calling number`);
    t.equal(v.presentation, 'withheld');
    t.same(v.origin, { kind: 'line' }, `${actor.name}: no caller line name`);
    t.notOk(
      v.decisions.some((d) => d.stage === 'origination' || d.stage === 'outbound-route'),
      `${actor.name}: not the caller's decisions`,
    );
    t.notOk(JSON.stringify(v).includes('0311110001'), `${actor.name}: the real number appears nowhere`);
    t.notOk(JSON.stringify(v).includes('carrier-x'), `${actor.name}: no route names`);
  }
  const fwd = viewFor(forwarderSite, record);
  t.same(
    fwd.decisions.map((d) => d.stage),
    ['forwarding'],
  );
  t.same(fwd.forwards, record.forwards, 'its own forward');
  const dest = viewFor(destUser, record);
  t.same(dest.delivered, record.delivered, 'its own line');
  t.same(
    dest.decisions.map((d) => d.stage),
    ['nuisance-blocking'],
  );
});

t.test('a presented specific number: the callee sees what it was shown, not the line behind it', async (t) => {
  const shown = { ...record, presentation: 'presented' as const, presentedNumber: '0120123456' };
  t.equal(viewFor(destUser, shown).callingNumber, '0120123456');
  t.equal(viewFor(callerAdmin, shown).callingNumber, '0311110001');
});

t.test('CSV cells that a spreadsheet would run as formulas are defused', async (t) => {
  t.equal(safeCell('=HYPERLINK("x")'), `'=HYPERLINK("x")`);
  t.equal(safeCell('+1'), "'+1");
  t.equal(safeCell('@SUM'), "'@SUM");
  t.equal(safeCell('-2'), "'-2");
  t.equal(safeCell('486 Busy Here'), '486 Busy Here');
  const row = csvRow({ ...viewFor(operator, record), endReason: '=cmd|calc' });
  t.equal(row[15], "'=cmd|calc");
  t.equal(row[16], '0322220001>0333330001(unconditional)');
  t.equal(row[6], '0311110001');
});
