// The call router end to end with fakes (call-world.ts): what SIPp runs prove
// slowly, checked here per rule — forwarding on each trigger, the chain cap and
// loops, hunting, outbound routes, and the line's own final answer.
import t from 'tap';
import { DOMAIN, forwardingTo, PEER_ADDRESS, world } from './call-world.js';
import { defaultFeatures } from '../../../src/features/settings.js';

const A = '0312340001';
const B = '0312340002';
const C = '0312340003';

const diversion = (from: string, reason: string) => `<sip:${from}@${DOMAIN};user=phone>;reason=${reason};counter=1`;

t.test('a plain call to a registered line is offered once, without a ring timer, and answered', async (t) => {
  const w = world();
  w.line('alice', A);
  const call = await w.invite(A);
  t.same(
    w.offers.map((o) => o.sipId),
    ['alice'],
  );
  t.equal(w.offers[0]!.ringTimeoutMs, undefined, 'no no-answer forwarding: ring on');
  t.same(call.sent, [], 'the 200 went upstream through the proxy; the router sends nothing');
  t.same(
    w.events('call.outcome').map((l) => l.status),
    [200],
  );
  t.same(w.legs.get('alice'), new Set([`${call.callId}|in`]), 'the answered leg keeps its channel');
});

t.test('unconditional forward: the line is not rung, the destination gets the call with Diversion', async (t) => {
  const w = world();
  w.line('alice', A);
  w.line('bob', B);
  w.features.set(A, forwardingTo(A, B, { unconditional: true }));
  const call = await w.invite(A);
  t.same(
    w.offers.map((o) => o.sipId),
    ['bob'],
  );
  t.same(w.offers[0]!.diversion, [diversion(A, 'unconditional')]);
  t.match(w.events('call.forwarded'), [{ callId: call.callId, from: A, to: B, reason: 'unconditional', hop: 1 }]);
  t.match(
    w.events('call.decision', (l) => l.stage === 'forwarding'),
    [{ outcome: 'retarget', targets: [B], reason: 'unconditional' }, { outcome: 'continue' }],
    'the forwarding stage decided, then ran again for B',
  );
});

t.test('busy forward: a 486 from the line forwards with reason user-busy', async (t) => {
  const w = world();
  w.line('alice', A, 'busy');
  w.line('bob', B);
  w.features.set(A, forwardingTo(A, B, { busy: true }));
  const call = await w.invite(A);
  t.same(
    w.offers.map((o) => o.sipId),
    ['alice', 'bob'],
  );
  t.same(w.offers[1]!.diversion, [diversion(A, 'user-busy')]);
  t.match(
    w.events('call.decision', (l) => l.stage === 'forwarding' && l.reason === 'busy'),
    [{ outcome: 'retarget', target: B }],
  );
  t.same(call.sent, []);
  t.equal(w.legs.get('alice')?.size, 0, "alice's channel went back after the failed offer");
});

t.test('busy forward: no free channel is busy too, and the line is not offered', async (t) => {
  const w = world();
  w.line('alice', A, 'answer', 1);
  w.line('bob', B);
  w.legs.set('alice', new Set(['other-call|in']));
  w.features.set(A, forwardingTo(A, B, { busy: true }));
  await w.invite(A);
  t.same(
    w.offers.map((o) => o.sipId),
    ['bob'],
  );
  t.equal(w.events('call.busy').length, 1);
  t.same(w.offers[0]!.diversion, [diversion(A, 'user-busy')]);
});

t.test('no-answer forward: the line rings for the ring time, then the call goes on', async (t) => {
  const w = world();
  w.line('alice', A, 'no-answer');
  w.line('bob', B);
  w.features.set(A, forwardingTo(A, B, { noAnswer: true, ringTime: 12 }));
  const call = await w.invite(A);
  t.same(
    w.offers.map((o) => [o.sipId, o.ringTimeoutMs]),
    [
      ['alice', 12_000],
      ['bob', undefined],
    ],
  );
  t.same(w.offers[1]!.diversion, [diversion(A, 'no-answer')]);
  t.same(call.sent, [], 'the 487 to our own CANCEL never reaches the caller');
});

t.test('no-answer: the ring time is clamped to 5-30 s, and there is none when the forward would be refused', async (t) => {
  const w = world();
  w.line('alice', A, 'answer');
  w.line('bob', B, 'answer');
  w.features.set(A, forwardingTo(A, B, { noAnswer: true, ringTime: 90 }));
  w.features.set(B, forwardingTo(B, B, { noAnswer: true, ringTime: 10 }));
  await w.invite(A);
  await w.invite(B);
  t.same(
    w.offers.map((o) => [o.sipId, o.ringTimeoutMs]),
    [
      ['alice', 30_000],
      ['bob', undefined],
    ],
    'B forwarding to itself: never cancel its ringing',
  );
});

t.test('no-answer without forwarding: nothing cancels the line; the caller hangs up (487)', async (t) => {
  const w = world();
  w.line('alice', A, 'no-answer');
  const call = await w.invite(A);
  t.same(
    call.sent.map((r) => r.status),
    [487],
  );
  t.same(w.events('call.forwarded'), []);
});

t.test('unreachable forward: not registered, silent, or 480', async (t) => {
  for (const [how, why] of [
    ['unregistered', 'no binding'],
    ['silent', 'nothing back within 2 s'],
    [480, 'the line answered 480'],
  ] as const) {
    const w = world();
    w.line('alice', A, how === 'unregistered' ? 'answer' : how);
    if (how === 'unregistered') w.registered.delete('alice');
    w.line('bob', B);
    w.features.set(A, forwardingTo(A, B, { unreachable: true }));
    const call = await w.invite(A);
    t.same(w.offers.at(-1)!.sipId, 'bob', why);
    t.same(w.offers.at(-1)!.diversion, [diversion(A, 'unavailable')], why);
    t.same(call.sent, [], why);
  }
});

t.test("unreachable without forwarding: we answer 480; busy without forwarding: the line's 486", async (t) => {
  const w = world();
  w.line('alice', A, 'silent');
  w.line('bob', B, 'busy');
  const a = await w.invite(A);
  t.same(
    a.sent.map((r) => r.status),
    [480],
  );
  const b = await w.invite(B);
  t.same(
    b.sent.map((r) => [r.status, r.reason]),
    [[486, 'Status 486']],
    "the line's own 486 is relayed",
  );
});

t.test('chain cap: at most 5 forwards; the 6th number keeps the call', async (t) => {
  const w = world();
  const numbers = ['0312340010', '0312340011', '0312340012', '0312340013', '0312340014', '0312340015', '0312340016'];
  numbers.forEach((n, i) => {
    w.line(`line${i}`, n);
    if (i + 1 < numbers.length) w.features.set(n, forwardingTo(n, numbers[i + 1]!, { unconditional: true }));
  });
  const call = await w.invite(numbers[0]!);
  t.equal(w.events('call.forwarded').length, 5);
  t.same(
    w.offers.map((o) => o.sipId),
    ['line5'],
    'the 6th number is rung instead of forwarding a 6th time',
  );
  t.equal(w.offers[0]!.diversion.length, 5, 'one Diversion per hop');
  t.same(call.sent, []);
});

t.test('loop: a forward back to a number already in the chain is refused; the failure stands', async (t) => {
  const w = world();
  w.line('alice', A);
  w.line('bob', B, 'busy');
  w.features.set(A, forwardingTo(A, B, { unconditional: true }));
  w.features.set(B, forwardingTo(B, A, { busy: true }));
  const call = await w.invite(A);
  t.same(
    w.offers.map((o) => o.sipId),
    ['bob'],
    'alice is never rung',
  );
  t.match(
    w.events('call.decision', (l) => l.stage === 'forwarding' && l.reason === 'busy'),
    [{ outcome: 'refused', why: 'loop' }],
  );
  t.equal(w.events('call.forwarded').length, 1);
  t.same(
    call.sent.map((r) => r.status),
    [486],
  );
});

t.test('hunt, sequential: skips the busy and the unreachable member, the next one answers', async (t) => {
  const w = world();
  w.line('pilot', A, 'busy');
  w.line('m1', B);
  w.registered.delete('m1');
  w.line('m2', C);
  w.line('m3', '0312340004');
  w.huntGroups.push({ id: 'hg', siteId: '1234567', pilot: A, members: [B, C, '0312340004'], mode: 'sequential', presentation: 'own' });
  const call = await w.invite(B);
  t.same(
    w.offers.map((o) => o.sipId),
    ['pilot', 'm2'],
    'from the pilot, m1 skipped (no binding), m3 never needed',
  );
  t.same(
    w.events('call.decision', (l) => l.stage === 'hunt-group' && l.outcome === 'skip').map((l) => [l.target, l.reason]),
    [
      [A, 'busy'],
      [B, 'unreachable'],
    ],
  );
  t.same(
    w.offers.map((o) => o.ringTimeoutMs),
    [undefined, undefined],
    'members ring without a timer',
  );
  t.same(call.sent, []);
});

t.test('hunt: every member busy → 486; none busy but none reachable → 480', async (t) => {
  const w = world();
  w.line('pilot', A, 'busy');
  w.line('m1', B, 'busy');
  w.huntGroups.push({ id: 'hg', siteId: '1234567', pilot: A, members: [B], mode: 'sequential', presentation: 'own' });
  const busy = await w.invite(A);
  t.same(
    busy.sent.map((r) => [r.status, r.reason]),
    [[486, 'Busy Here']],
  );

  w.behaviour.set('pilot', 'silent');
  w.behaviour.set('m1', 'silent');
  const gone = await w.invite(A);
  t.same(
    gone.sent.map((r) => r.status),
    [480],
  );

  w.behaviour.set('pilot', 'busy');
  const mixed = await w.invite(A);
  t.same(
    mixed.sent.map((r) => r.status),
    [480],
    'one busy, one unreachable: not all busy',
  );
  t.equal(w.legs.get('pilot')?.size, 0, 'channels given back');
});

t.test("a hunt group member's own forwarding is not consulted while hunting", async (t) => {
  const w = world();
  w.line('pilot', A, 'busy');
  w.line('m1', B);
  w.line('other', C);
  w.features.set(A, forwardingTo(A, C, { busy: true }));
  w.huntGroups.push({ id: 'hg', siteId: '1234567', pilot: A, members: [B], mode: 'sequential', presentation: 'own' });
  await w.invite(A);
  t.same(
    w.offers.map((o) => o.sipId),
    ['pilot', 'm1'],
  );
  t.same(w.events('call.forwarded'), []);
});

t.test('outbound route: a number not ours goes out by the longest prefix', async (t) => {
  const w = world();
  w.routes.push(
    { name: 'carrier-all', prefix: '0', target: '127.0.0.60:5070', transport: 'udp' },
    { name: 'carrier-mobile', prefix: '090', target: '127.0.0.61:5070', transport: 'udp' },
  );
  const call = await w.invite('09012345678', 'line');
  t.same(
    w.offers.map((o) => [o.sipId, o.uri]),
    [['route carrier-mobile', 'sip:09012345678@127.0.0.61:5070']],
  );
  t.match(
    w.events('call.decision', (l) => l.stage === 'outbound-route'),
    [{ outcome: 'route', target: 'carrier-mobile', number: '09012345678' }],
  );
  t.match(
    w.events('call.decision', (l) => l.stage === 'origination'),
    [{ outcome: 'continue', presented: '0311110000', withhold: false }],
  );
  t.match(w.offers[0]!.pai, /0311110000/, "our line's number asserted to the carrier");
  t.same(call.sent, []);
});

t.test('monitoring: a route whose target is down is skipped for the next-longest prefix; all down → 503', async (t) => {
  const down = new Set(['carrier-mobile']);
  const w = world({ downRoutes: down });
  w.routes.push(
    { name: 'carrier-all', prefix: '0', target: '127.0.0.60:5070', transport: 'udp' },
    { name: 'carrier-mobile', prefix: '090', target: '127.0.0.61:5070', transport: 'udp' },
  );
  await w.invite('09012345678', 'line');
  t.same(
    w.offers.map((o) => o.sipId),
    ['route carrier-all'],
    'the shorter prefix takes the call',
  );
  t.match(
    w.events('call.decision', (l) => l.stage === 'outbound-route'),
    [
      { outcome: 'skipped', target: 'carrier-mobile', reason: 'target down' },
      { outcome: 'route', target: 'carrier-all' },
    ],
  );

  down.add('carrier-all');
  const refused = await w.invite('09012345678', 'line');
  t.same(
    refused.sent.map((r) => r.status),
    [503],
    'every matching route down: 503, not 404',
  );
  t.equal(w.offers.length, 1, 'nothing more was offered');

  down.clear();
  await w.invite('09012345678', 'line');
  t.equal(w.offers.at(-1)!.sipId, 'route carrier-mobile', 'back up: the longest prefix again');
});

t.test('monitoring: the emergency route is used even when its target is down', async (t) => {
  const w = world({ downRoutes: new Set(['emergency']) });
  w.emergencyRoutes.push({ name: 'emergency', areaCodes: ['03'], target: '127.0.0.62:5070', transport: 'udp' });
  await w.invite('110', 'line'); // the caller line is 0311110000
  t.same(
    w.offers.map((o) => o.sipId),
    ['route emergency'],
  );
});

t.test('outbound route: a forward to a number not ours goes out with Diversion; no route → 404', async (t) => {
  const w = world();
  w.line('alice', A);
  w.features.set(A, forwardingTo(A, '09012345678', { unconditional: true }));
  const none = await w.invite(A);
  t.same(
    none.sent.map((r) => r.status),
    [404],
  );
  t.match(
    w.events('call.decision', (l) => l.stage === 'outbound-route'),
    [{ outcome: 'reject' }],
  );

  w.routes.push({ name: 'carrier', prefix: '0', target: '127.0.0.60:5070', transport: 'udp' });
  const out = await w.invite(A);
  t.same(out.sent, []);
  t.same(
    w.offers.map((o) => o.sipId),
    ['route carrier'],
  );
  t.same(w.offers[0]!.diversion, [diversion(A, 'unconditional')]);
});

t.test('a 603 from the line is relayed as it came, and forwarding does not act on it', async (t) => {
  const w = world();
  w.line('alice', A, 603);
  w.line('bob', B);
  w.features.set(A, forwardingTo(A, B, { busy: true, noAnswer: true, unreachable: true }));
  const call = await w.invite(A);
  t.same(
    call.sent.map((r) => [r.status, r.reason]),
    [[603, 'Decline']],
  );
  t.same(
    w.offers.map((o) => o.sipId),
    ['alice'],
  );
  t.same(w.events('call.forwarded'), []);
  t.match(w.events('call.outcome'), [{ callId: call.callId, status: 603 }]);
});

t.test('a stage rejection ends the call before any offer; its answer goes back', async (t) => {
  const w = world();
  w.line('alice', A);
  w.features.set(A, { ...w.features.get(A)!, blockedCallers: ['0612345678'] });
  const call = await w.invite(A);
  t.same(
    call.sent.map((r) => r.status),
    [603],
  );
  t.same(w.offers, []);
  t.match(
    w.events('call.decision', (l) => l.stage === 'nuisance-blocking'),
    [{ outcome: 'reject', status: 603 }],
  );
});

t.test('every call.decision comes from the one decision log, with callId, stage and outcome', async (t) => {
  const w = world();
  w.line('alice', A, 'busy');
  w.line('bob', B);
  w.features.set(A, forwardingTo(A, B, { busy: true }));
  const call = await w.invite(A);
  const decisions = w.events('call.decision');
  t.ok(decisions.length >= 6, 'five stages for A, the forward after the offer, the stages for B');
  for (const d of decisions) {
    t.equal(d.callId, call.callId);
    t.type(d.stage, 'string');
    t.type(d.outcome, 'string');
  }
});

t.test("emergency: the route of the caller's area; an uncovered area or a 050 caller is refused", async (t) => {
  const w = world();
  w.emergencyRoutes.push(
    { name: 'emergency-tokyo', areaCodes: ['03'], target: '127.0.0.70:5060', transport: 'udp' },
    { name: 'emergency-osaka', areaCodes: ['06'], target: '127.0.0.71:5060', transport: 'udp' },
  );
  w.routes.push({ name: 'carrier', prefix: '', target: '127.0.0.60:5070', transport: 'udp' });
  await w.invite('110', 'line'); // the caller line is 0311110000
  t.same(
    w.offers.map((o) => [o.sipId, o.uri]),
    [['route emergency-tokyo', 'sip:110@127.0.0.70:5060']],
  );
  t.match(
    w.events('call.decision', (l) => l.stage === 'emergency-route'),
    [{ outcome: 'route', target: 'emergency-tokyo' }],
  );

  w.callerLine.basicNumber = '0612340000';
  w.features.set('0612340000', defaultFeatures('0612340000'));
  await w.invite('119', 'line');
  t.equal(w.offers.at(-1)?.sipId, 'route emergency-osaka', 'the Osaka caller reaches the Osaka route');

  w.callerLine.basicNumber = '0451234567';
  const uncovered = await w.invite('110', 'line');
  t.match(uncovered.sent, [{ status: 403, reason: 'No emergency service in the area of this number' }]);

  w.callerLine.basicNumber = '05012345678';
  const offers = w.offers.length;
  const ip = await w.invite('110', 'line');
  t.match(ip.sent, [{ status: 403, reason: 'Emergency calls need a geographic number (0 + area code)' }]);
  t.equal(w.offers.length, offers, 'nothing offered');
});

t.test('emergency: a line with every channel in use still reaches the emergency route; other calls get 486', async (t) => {
  const w = world();
  w.emergencyRoutes.push({ name: 'emergency', areaCodes: ['03'], target: '127.0.0.70:5060', transport: 'udp' });
  w.routes.push({ name: 'carrier', prefix: '', target: '127.0.0.60:5070', transport: 'udp' });
  w.legs.set('caller', new Set(['a', 'b', 'c', 'd'])); // 4 of 4 channels in use
  const other = await w.invite('0612345678', 'line');
  t.match(other.sent, [{ status: 486 }], 'an ordinary call is refused: no channel');
  const emergency = await w.invite('110', 'line');
  t.same(emergency.sent, [], 'answered by the route, nothing refused');
  t.same(
    w.offers.map((o) => o.sipId),
    ['route emergency'],
  );
});

t.test('forwarding to the voice-mail platform: the mailbox in the Request-URI and Diversion; none provisioned → 480', async (t) => {
  const w = world();
  w.line('alice', A, 'busy');
  w.features.set(A, forwardingTo(A, 'voicemail', { busy: true }));
  const none = await w.invite(A);
  t.match(none.sent, [{ status: 480, reason: 'Voice Mail Unavailable' }]);
  t.match(
    w.events('call.decision', (l) => l.stage === 'voicemail-route'),
    [{ outcome: 'reject', number: A }],
  );

  w.voicemail.route = { name: 'vm', target: '127.0.0.80:5080', transport: 'udp' };
  const call = await w.invite(A);
  t.same(call.sent, []);
  const vm = w.offers.at(-1)!;
  t.same([vm.sipId, vm.uri], ['route vm', `sip:${A}@127.0.0.80:5080`]);
  t.same(vm.diversion, [diversion(A, 'user-busy')]);
});

t.test('voice mail after two forwards: the mailbox is the last forwarding number', async (t) => {
  const w = world();
  w.voicemail.route = { name: 'vm', target: '127.0.0.80:5080', transport: 'udp' };
  w.line('alice', A);
  w.line('bob', B);
  w.features.set(A, forwardingTo(A, B, { unconditional: true }));
  w.features.set(B, forwardingTo(B, 'voicemail', { unconditional: true }));
  await w.invite(A);
  const vm = w.offers.at(-1)!;
  t.equal(vm.uri, `sip:${B}@127.0.0.80:5080`);
  t.same(vm.diversion, [diversion(B, 'unconditional'), diversion(A, 'unconditional')], 'newest first');
});

t.test('several workers: a BYE reaching a worker that does not carry the call is told to the others; the one that does ends it', async (t) => {
  const told: Array<{ callId: string; by: string; reason?: string }> = [];
  const carrier = world({ otherWorkers: { callEnded: (end) => told.push(end) } });
  carrier.line('alice', A, 'answer');
  const call = await carrier.invite(A);
  t.equal(carrier.legs.get('alice')?.size, 1, 'the answered call holds a channel');

  const other = world({ otherWorkers: { callEnded: (end) => told.push(end) } });
  await other.bye(call.callId);
  t.same(told, [{ callId: call.callId, by: `${PEER_ADDRESS}:5060` }], 'the worker without the call tells the others who hung up');

  await carrier.router.endedElsewhere(told[0]!);
  t.equal(carrier.legs.get('alice')?.size, 0, 'the carrying worker gave the channel back');
  t.equal(carrier.events('call.ended', (l) => l.callId === call.callId).length, 1, 'and logged the end');
});

t.test('several workers: a BYE at the worker carrying the call ends it there, without telling the others', async (t) => {
  const told: string[] = [];
  const w = world({ otherWorkers: { callEnded: (end) => told.push(end.callId) } });
  w.line('alice', A, 'answer');
  const call = await w.invite(A);
  await w.bye(call.callId);
  t.equal(w.legs.get('alice')?.size, 0, 'channel given back');
  t.same(told, [], 'nobody else told');
  await w.router.endedElsewhere({ callId: call.callId, by: `${PEER_ADDRESS}:5060` });
  t.equal(w.events('call.ended').length, 1, 'a late notice for an ended call changes nothing');
});

t.test("a line's call reads the calling and called numbers' settings together, once; a forward reads its destination's", async (t) => {
  const w = world();
  w.line('alice', A);
  w.line('bob', B);
  const caller = w.callerLine.basicNumber;
  await w.invite(A, 'line');
  t.same(
    w.offers.map((o) => o.sipId),
    ['alice'],
  );
  t.same(w.settingsReads, [[caller, A]], 'one read: the calling number and the called number');

  w.settingsReads.length = 0;
  w.features.set(A, forwardingTo(A, B, { unconditional: true }));
  await w.invite(A, 'line');
  t.same(w.offers.at(-1)!.sipId, 'bob');
  t.same(w.settingsReads, [[caller, A], [B]], "the forward's destination is the only other read");

  w.settingsReads.length = 0;
  await w.invite('0101234567890', 'line');
  await w.invite('110', 'line');
  t.same(w.settingsReads, [[caller], [caller]], 'a number that cannot be ours (international, an emergency code): the calling number alone');
});

t.test("a line's call: the calling number's hunt group comes with its settings (the pilot presented)", async (t) => {
  const w = world();
  w.line('alice', A);
  const caller = w.callerLine.basicNumber;
  w.huntGroups.push({ id: 'hg', siteId: '1234567', pilot: C, members: [caller], mode: 'sequential', presentation: 'pilot' });
  await w.invite(A, 'line');
  t.match(
    w.events('call.decision', (l) => l.stage === 'origination'),
    [{ outcome: 'continue', presented: C }],
  );
  t.match(w.offers[0]!.pai, new RegExp(C), 'the pilot asserted');
  t.same(w.settingsReads, [[caller, A]], 'still one read');
});

t.test("a line's call: the called number's settings read with the caller's still decide (anonymous rejection)", async (t) => {
  const w = world();
  w.line('alice', A);
  w.features.set(A, { ...defaultFeatures(A), anonymousRejection: true });
  w.features.set(w.callerLine.basicNumber, { ...defaultFeatures(w.callerLine.basicNumber), presentation: 'withhold' });
  const call = await w.invite(A, 'line');
  t.same(
    call.sent.map((r) => r.status),
    [433],
    "the caller's withheld number meets the callee's anonymous rejection",
  );
  t.equal(w.offers.length, 0);
  t.equal(w.settingsReads.length, 1);
});

t.test("the called line's channel and bindings are asked for together (one round trip); a busy line is still not rung", async (t) => {
  const w = world();
  w.line('alice', A, 'answer', 1);
  await w.invite(A);
  t.same(
    w.storeOrder,
    ['settings', 'settings answered', 'acquire alice', 'bindings alice', 'acquired alice'],
    'the bindings asked for before the channel was answered',
  );
  const busy = await w.invite(A);
  t.same(
    busy.sent.map((r) => r.status),
    [486],
    'its one channel in use: busy',
  );
  t.equal(w.offers.length, 1, 'not offered again');
});

t.test("a line's call asks for its own channel with its settings (one round trip); a call refused afterwards gives it back", async (t) => {
  const w = world();
  w.line('alice', A, 'answer', 2);
  await w.invite(A, 'line');
  t.same(
    w.storeOrder.slice(0, 4),
    ['settings', 'acquire caller', 'settings answered', 'acquired caller'],
    'the channel asked for before the settings were answered',
  );
  t.equal(w.offers.length, 1, 'and the call went on');
  const held = (): number => w.legs.get('caller')?.size ?? 0;
  t.equal(held(), 1, 'the answered call holds its channel');

  w.features.set(A, { ...w.features.get(A)!, blockedCallers: [w.callerLine.basicNumber] });
  const blocked = await w.invite(A, 'line');
  t.same(
    blocked.sent.map((r) => r.status),
    [603],
    'refused by the called number’s nuisance blocking',
  );
  t.equal(held(), 1, 'the refused call gave its channel back');
  const nowhere = await w.invite('12', 'line');
  t.match(
    blocked.sent.concat(nowhere.sent).map((r) => r.status),
    [603, 404],
  );
  t.equal(held(), 1, 'and so did one to a number that cannot be dialled');
});
