import t, { type Test } from 'tap';
import { answer, callFrom, callFromTrusted, receivedInvite, registerTrunk, requestUri, settled, startCallStack, trunk } from '../helpers/call-harness.js';
import { naming, RedisMonitor, type SeenCommand } from '../helpers/redis-monitor.js';
import { describeSipp } from '../helpers/sipp.js';

/**
 * What a call's settings cost the store, counted with Redis' MONITOR: the
 * option subscriptions (written by provisioning only) come from the node's
 * copy once the number was seen; the calling and called numbers' settings,
 * hunt and bulk groups are one script (one round trip), the bulk group read
 * once per plan. A provisioning change still counts at once.
 */
const PEER_IP = '127.0.0.3';
const CAROL = '0312340051';
const DAVE = '0312340052';
/** ERIN calls FRANK: erin is a hunt-group member presenting the pilot GINA, frank a bulk-group member. */
const ERIN = '0312340053';
const FRANK = '0312340054';
const GINA = '0312340055';
const carol = await trunk('carol-rt', 'carol-pw-789xyz');
const dave = await trunk('dave-rt', 'dave-pw-246abc');
const erin = await trunk('erin-rt', 'erin-pw-135qrs');
const frank = await trunk('frank-rt', 'frank-pw-864tuv');
const gina = await trunk('gina-rt', 'gina-pw-975wxy');
const digestLine = (line: { sipId: string; password: string }, basicNumber: string) => ({
  sipId: line.sipId,
  password: line.password,
  auth: 'digest',
  channels: 4,
  basicNumber,
});
const document = {
  voiceGroups: [
    {
      id: 'VG1',
      name: 'Round trips',
      sites: [
        {
          id: '1000001',
          name: 'Site',
          lines: [digestLine(carol, CAROL), digestLine(dave, DAVE), digestLine(erin, ERIN), digestLine(frank, FRANK), digestLine(gina, GINA)],
          huntGroups: [{ id: 'hg-rt', pilot: GINA, members: [ERIN], mode: 'sequential', presentation: 'pilot' }],
          bulkGroups: [{ id: 'bg-rt', name: 'Closed', members: [FRANK], state: 'stopped' }],
        },
      ],
    },
  ],
  features: { [CAROL]: { forwarding: { enabled: true, unconditional: true, destinations: [DAVE] } } },
  options: { numbers: { [CAROL]: ['forwarding'] } },
  routing: { peers: [{ name: 'pstn', addresses: [PEER_IP] }] },
};
const stack = await startCallStack(document);
const node = stack.nodes[0]!;
await registerTrunk(node, carol);
await registerTrunk(node, dave);
await registerTrunk(node, frank);
const monitor = await RedisMonitor.open(stack.redis.url);
t.teardown(() => monitor.close());
const presented = '<sip:0612345678@pstn.invalid;user=phone>';

/** One forwarded call to CAROL; the store commands it cost (with those scripts ran when `withScripts`). */
async function forwardedCall(t: Test, withScripts = false) {
  await monitor.mark();
  const since = node.mark();
  const callee = await answer(node, 'call-callee.xml', dave);
  const call = await callFromTrusted(node, { ip: PEER_IP, called: CAROL, from: presented, expect: 200 });
  t.equal(call.code, 0, 'answered', describeSipp(call));
  t.match(requestUri(receivedInvite(await callee.done)), new RegExp(`^sip:${DAVE}@`), 'forwarded to dave');
  await settled(node, since, call);
  return monitor.mark(withScripts);
}

const reads = (commands: Awaited<ReturnType<RedisMonitor['mark']>>, key: string) => commands.filter((c) => c.args[0]?.includes(key)).length;

t.test('subscriptions are read once per number, then come from the copy; settings and groups once per plan', async (t) => {
  const first = await forwardedCall(t);
  t.ok(reads(first, 'opts:num:') > 0, 'the first call reads the subscriptions');
  const second = await forwardedCall(t);
  t.comment(`store commands of the second call: ${second.length} (${second.map((c) => `${c.name} ${c.args[0] ?? ''}`).join(', ')})`);
  t.equal(reads(second, 'opts:num:'), 0, 'the second call reads no number subscriptions');
  t.equal(reads(second, 'opts:site:'), 0, 'nor site subscriptions');
  // Two plans (CAROL, then DAVE after the forward), each looks its bulk group up once.
  // Two plans (CAROL, then DAVE after the forward): one settings script each, and no other settings read.
  t.equal(settingsReads(second).length, 2, 'one settings read per plan (run and ring time share it)');
  t.same(
    settingsReads(second).map((c) => numbersNamed(c)),
    [[CAROL], [DAVE]],
    'each names its called number',
  );
  const inScripts = await forwardedCall(t, true);
  t.equal(reads(inScripts, 'bulkof:'), 2, 'the scripts look each bulk group up once per plan');
  t.equal(reads(inScripts, 'huntof:'), 2, 'and each hunt group');
  t.equal(
    inScripts.filter((c) => c.name === 'hget' && (c.args[0] ?? '').includes(':bulk:')).length,
    0,
    'no frozen destination read for a number in no bulk group',
  );
});

/** The commands (outside scripts) that read numbers' settings or groups: in steady state, the call-settings script alone. */
function settingsReads(commands: readonly SeenCommand[]): SeenCommand[] {
  return commands.filter((c) => c.args.some((a) => /\{prov\}:(feat|huntof|bulkof|hunt|bulk):/.test(a)));
}

/** The numbers whose settings a command reads (its feat: keys). */
function numbersNamed(command: SeenCommand): string[] {
  return command.args.flatMap((a) => /\{prov\}:feat:(\d+)$/.exec(a)?.[1] ?? []);
}

t.test("a line's call to a line: both numbers' settings and groups in one round trip, the called line from the node's copy", async (t) => {
  const call = async () => {
    await monitor.mark(true);
    const since = node.mark();
    const callee = await answer(node, 'call-callee.xml', frank);
    const caller = await callFrom(node, erin, { called: FRANK, from: ERIN, expect: 200 });
    t.equal(caller.code, 0, 'answered', describeSipp(caller));
    t.match(requestUri(receivedInvite(await callee.done)), new RegExp(`^sip:${FRANK}@`), 'frank rang');
    const callId = await settled(node, since, caller);
    t.match(
      node.events('call.decision', since).filter((l) => l.callId === callId && l.stage === 'origination'),
      [{ presented: GINA }],
      "the calling number's hunt group was read with its settings: the pilot is presented",
    );
    return monitor.mark(true);
  };
  await call(); // the subscriptions are read once per number, then come from the copy
  const commands = await call();
  const sent = commands.filter((c) => c.source !== 'lua');
  t.comment(`store commands of the call: ${sent.map((c) => `${c.name} ${c.args[0] ?? ''}`).join(', ')}`);
  const settings = settingsReads(sent);
  t.equal(settings.length, 1, 'one settings read for the call');
  t.equal(settings[0]?.name, 'evalsha', 'a script: one round trip');
  t.same(numbersNamed(settings[0]!), [ERIN, FRANK], 'naming the calling and the called number');
  t.equal(naming(sent, 'opts:').length, 0, 'no subscription read (the node-local copy)');
  // The caller's channel goes with the settings (one round trip); then only the callee's channel, with
  // its bindings; the called line from the node's copy.
  const from = sent.indexOf(settings[0]!);
  const channelOf = (sipId: string): number => sent.findIndex((c) => c.name === 'evalsha' && c.args.some((a) => a.endsWith(`chan:{${sipId}}`)));
  const offer = sent.findIndex((c) => c.name === 'hgetall' && (c.args[0] ?? '').includes(`reg:{${frank.sipId}}`));
  t.equal(Math.abs(channelOf(erin.sipId) - from), 1, "the caller's channel reservation sent beside the settings read");
  t.ok(offer > from, 'the bindings read after the settings');
  t.same(
    sent.slice(Math.max(from, channelOf(erin.sipId)) + 1, offer).map((c) => c.name),
    ['evalsha'],
    "between them only the callee's channel reservation",
  );
  t.equal(channelOf(frank.sipId), offer - 1, "the callee's");
  t.same(
    sent
      .filter((c) => /\{prov\}:(ipauth|peeraddr|routes|line|num):/.test(c.args[0] ?? '') || (c.args[0] ?? '').endsWith('{prov}:routes'))
      .map((c) => `${c.name} ${c.args[0]}`),
    [],
    "who sent each request (INVITE, ACK, BYE), whether a hop is trusted, and the call record's site: all from the node's copies",
  );
  const inScript = commands.filter((c) => c.source === 'lua');
  t.same(
    inScript.filter((c) => /\{prov\}:(hunt|bulk):/.test(c.args[0] ?? '')).map((c) => `${c.name} ${c.args[0]!.replace(/^.*\{prov\}:/, '')}`),
    ['get hunt:hg-rt', 'get bulk:bg-rt', 'hget bulk:bg-rt:slot5'],
    "the caller's hunt group, the callee's bulk group and its frozen destination, each read once",
  );
});

t.test('an unsubscribed option stops at once: the copies are dropped by the change', async (t) => {
  await stack.provision({ options: { numbers: { [CAROL]: [] } } });
  await monitor.mark();
  const since = node.mark();
  const callee = await answer(node, 'call-callee.xml', carol);
  const call = await callFromTrusted(node, { ip: PEER_IP, called: CAROL, from: presented, expect: 200 });
  t.equal(call.code, 0, 'answered', describeSipp(call));
  t.match(requestUri(receivedInvite(await callee.done)), new RegExp(`^sip:${CAROL}@`), 'no longer forwarded: carol rings');
  await settled(node, since, call);
  t.ok(reads(await monitor.mark(), 'opts:num:') > 0, 'the subscriptions were read again');
});

t.test("an address found to be nobody's is trusted the moment provisioning makes it a peer's", async (t) => {
  const LATE_IP = '127.0.0.4';
  const before = await callFromTrusted(node, { ip: LATE_IP, called: DAVE, from: presented, expect: 200 });
  t.not(before.code, 0, 'not trusted yet: challenged, so the trusted-caller scenario fails');
  t.match(before.errors, /SIP\/2.0 407/, 'with a 407');
  await stack.provision({ ...document, routing: { peers: [...document.routing.peers, { name: 'late', addresses: [LATE_IP] }] } });
  const callee = await answer(node, 'call-callee.xml', dave);
  const after = await callFromTrusted(node, { ip: LATE_IP, called: DAVE, from: presented, expect: 200 });
  t.equal(after.code, 0, 'trusted at once: answered', describeSipp(after));
  await callee.done;
});
