import { Writable } from 'node:stream';
import t from 'tap';
import { createLogger } from '../../../src/log.js';
import { CallRecorder } from '../../../src/routing/call-recorder.js';
import type { CallRecord, CloseMode, ExpiredCall, OpenCallRecord } from '../../../src/store/cdr-store.js';

/**
 * The recorder's own rules, with an in-memory store: who hung up, how an
 * unanswered call ended, when the open record is stored, what a close asks
 * of the store, and long reason texts kept short.
 */
function world(opts: { failOpen?: boolean } = {}) {
  const opened: OpenCallRecord[] = [];
  const closed: Array<{ record: CallRecord; mode: CloseMode }> = [];
  const gone: string[] = [];
  const events: Array<Record<string, unknown>> = [];
  let now = Date.parse('2026-11-21T01:00:00Z');
  const store = {
    open: async (r: OpenCallRecord) => {
      if (opts.failOpen) throw new Error('redis away');
      opened.push(r);
    },
    refresh: async (ids: readonly string[]) => ids.filter((id) => gone.includes(id)),
    expired: async (): Promise<ExpiredCall[]> => [],
    close: async (record: CallRecord, mode: CloseMode) => {
      closed.push({ record, mode });
      return '1-0';
    },
    discard: async () => {},
    purge: async () => 0,
    stops: 0,
    stop: async () => {
      store.stops++;
    },
  };
  // Look-ups in flight at once, most seen: a record's parties are looked up together.
  const lookups = { inFlight: 0, most: 0 };
  const lookedUp = async <T>(value: T): Promise<T> => {
    lookups.most = Math.max(lookups.most, ++lookups.inFlight);
    await Promise.resolve(); // answered on a later turn, as a store would
    lookups.inFlight--;
    return value;
  };
  const scopes = {
    ofNumber: (n: string) => lookedUp(n.startsWith('03') ? { voiceGroupId: 'VG1', siteId: '1000001', number: n } : null),
    ofLine: () => lookedUp({ voiceGroupId: 'VG1', siteId: '1000001' }),
  };
  const sink = new Writable({
    write(chunk: Buffer, _e, done) {
      for (const l of chunk.toString().split('\n')) if (l) events.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  const recorder = new CallRecorder(store, scopes, createLogger('info', sink), { nodeLostAfterMs: 60_000, nodeId: 'node-a', now: () => now });
  t.teardown(() => recorder.stop());
  const begin = (callId: string) =>
    recorder.begin(callId, { origin: { kind: 'line', name: 'alice' }, calledNumber: '0312340002', callerSource: '127.0.0.1:5070' });
  const settle = () => new Promise((r) => setTimeout(r, 10));
  return { recorder, store, opened, closed, gone, events, begin, settle, lookups, tick: (ms: number) => (now += ms) };
}

t.test('answered, hung up by the callee: duration from the answer, the open record stored twice', async (t) => {
  const w = world();
  w.begin('c1');
  w.recorder.identify('c1', { presentation: 'presented', calledNumber: '0312340002', callingNumber: '0312340001', presentedNumber: '0312340001' });
  w.recorder.offering('c1', { kind: 'line', name: 'bob', number: '0312340002' });
  w.tick(2000);
  w.recorder.answered('c1');
  w.tick(30_000);
  w.recorder.hungUp('c1', '127.0.0.1:5080', 'SIP;cause=200;text="x"');
  await w.settle();
  t.equal(w.opened.length, 2, 'stored when offered and when answered');
  t.equal(w.opened[0]?.answeredAt, undefined);
  t.ok(w.opened[1]?.answeredAt);
  t.equal(w.closed.length, 1);
  const { record, mode } = w.closed[0]!;
  t.equal(mode, 'owner', 'it was open in the store');
  t.equal(record.endedBy, 'callee', 'the BYE came from elsewhere than the caller');
  t.equal(record.endReason, 'BYE (SIP;cause=200;text="x")');
  t.equal(record.durationSeconds, 30);
  t.same(
    record.parties.map((p) => p.role),
    ['caller', 'called', 'delivered'],
  );
  t.equal(w.lookups.most, 3, "the three parties' look-ups were sent together, not one after another");
  t.ok(
    w.events.some((e) => e.event === 'call.record' && e.callId === 'c1' && e.callerSource === undefined),
    'call.record logged, without the caller address',
  );
  w.recorder.hungUp('c1', '127.0.0.1:5070');
  await w.settle();
  t.equal(w.closed.length, 1, 'a second BYE writes nothing more');
});

t.test('a BYE from the caller, and a BYE before the answer', async (t) => {
  const w = world();
  w.begin('c2');
  w.recorder.hungUp('c2', '127.0.0.1:5070');
  await w.settle();
  t.equal(w.closed.length, 0, 'not answered: a BYE does not end the record');
  w.recorder.answered('c2');
  w.recorder.hungUp('c2', '127.0.0.1:5070');
  await w.settle();
  t.equal(w.closed[0]?.record.endedBy, 'caller');
});

t.test('unanswered: rejected before any offer is written at once, never stored as open', async (t) => {
  const w = world();
  w.begin('c3');
  w.recorder.unanswered('c3', { status: 603, reason: 'Decline', byCallee: false, cancelled: false });
  await w.settle();
  t.equal(w.opened.length, 0);
  t.same(
    { mode: w.closed[0]?.mode, outcome: w.closed[0]?.record.outcome, endedBy: w.closed[0]?.record.endedBy, endReason: w.closed[0]?.record.endReason },
    { mode: 'unopened', outcome: 'rejected', endedBy: 'system', endReason: '603 Decline' },
  );
});

t.test("no answer: our CANCEL after the ring time is the system's doing, not the callee's", async (t) => {
  const w = world();
  w.begin('c4');
  w.recorder.offering('c4', { kind: 'line', name: 'bob', number: '0312340002' });
  w.recorder.offerFailed('c4', 'no-answer');
  w.recorder.unanswered('c4', { status: 480, reason: 'Temporarily Unavailable', byCallee: true, cancelled: false });
  await w.settle();
  t.equal(w.closed[0]?.record.outcome, 'no-answer');
  t.equal(w.closed[0]?.record.endedBy, 'system');
});

t.test('busy by the callee, and a CANCEL by the caller', async (t) => {
  const w = world();
  w.begin('c5');
  w.recorder.offerFailed('c5', 'busy');
  w.recorder.unanswered('c5', { status: 486, reason: 'Busy Here', byCallee: true, cancelled: false });
  w.begin('c6');
  w.recorder.unanswered('c6', { status: 487, reason: 'Request Terminated', byCallee: false, cancelled: true });
  await w.settle();
  const by = Object.fromEntries(w.closed.map((c) => [c.record.callId, c.record]));
  t.same([by.c5?.outcome, by.c5?.endedBy], ['busy', 'callee']);
  t.same([by.c6?.outcome, by.c6?.endedBy, by.c6?.endReason], ['cancelled', 'caller', 'CANCEL']);
});

t.test('the open record could not be stored: the close does not expect to find it', async (t) => {
  const w = world({ failOpen: true });
  w.begin('c7');
  w.recorder.offering('c7', { kind: 'line', name: 'bob', number: '0312340002' });
  w.recorder.unanswered('c7', { status: 486, reason: 'Busy Here', byCallee: true, cancelled: false });
  await w.settle();
  t.equal(w.closed[0]?.mode, 'unopened');
});

t.test('texts from the far end are kept short', async (t) => {
  const w = world();
  w.begin('c8');
  w.recorder.unanswered('c8', { status: 603, reason: 'x'.repeat(5000), byCallee: true, cancelled: false });
  w.recorder.begin('c9', { origin: { kind: 'peer', name: 'pstn' }, calledNumber: '9'.repeat(5000), callerSource: 'a:1' });
  w.recorder.unanswered('c9', { status: 404, reason: 'Not Found', byCallee: false, cancelled: false });
  await w.settle();
  const by = Object.fromEntries(w.closed.map((c) => [c.record.callId, c.record]));
  t.ok((by.c8?.endReason.length ?? 0) <= 130, 'the reason phrase is cut');
  t.equal(by.c9?.calledNumber.length, 64, 'the dialled text is cut');
});

t.test('decisions carry the party whose settings made them; forwards are kept in order', async (t) => {
  const w = world();
  w.begin('c10');
  w.recorder.decision('c10', { stage: 'forwarding', outcome: 'retarget' }, '0312340002');
  w.recorder.forwarded('c10', { from: '0312340002', to: '0312340003', reason: 'unconditional' });
  w.recorder.decision('c10', { stage: 'outbound-route', outcome: 'route' });
  w.recorder.unanswered('c10', { status: 404, reason: 'Not Found', byCallee: false, cancelled: false });
  await w.settle();
  const r = w.closed[0]!.record;
  t.same(r.decisions, [
    { stage: 'forwarding', outcome: 'retarget', party: '0312340002' },
    { stage: 'outbound-route', outcome: 'route' },
  ]);
  t.same(r.forwards, [{ from: '0312340002', to: '0312340003', reason: 'unconditional' }]);
  t.ok(
    r.parties.some((p) => p.role === 'forwarder' && p.number === '0312340002'),
    'the forwarding number is a party',
  );
});

t.test('a forward after a failed offer: the outcome is how the forwarded call ended', async (t) => {
  const w = world();
  w.begin('c11');
  w.recorder.offerFailed('c11', 'no-answer');
  w.recorder.forwarded('c11', { from: '0312340002', to: '0312340003', reason: 'no-answer' });
  w.recorder.unanswered('c11', { status: 603, reason: 'Decline', byCallee: false, cancelled: false });
  await w.settle();
  t.equal(w.closed[0]?.record.outcome, 'rejected', 'blocked at the destination, not "no answer"');
});

t.test('stopping the recorder has the store send the writes waiting for their batch', async (t) => {
  const w = world();
  t.equal(w.store.stops, 0);
  await w.recorder.stop();
  t.equal(w.store.stops, 1, 'the store was told to send what waits');
});
