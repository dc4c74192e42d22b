import t from 'tap';
import { startBulk, stopBulk } from '../../src/api/resources/bulk-operation.js';
import { createLogger } from '../../src/log.js';
import { createRedis } from '../../src/store/redis.js';
import {
  answer,
  callFrom,
  callFromTrusted,
  DOMAIN,
  headerValues,
  receivedInvite,
  registerTrunk,
  requestUri,
  settled,
  startCallStack,
  trunk,
  type Trunk,
} from '../helpers/call-harness.js';
import { freePort } from '../helpers/free-port.js';
import { describeSipp, receivedMessages } from '../helpers/sipp.js';

/**
 * The service rules of docs/product.md §4.1, §4.4 and §5 on the wire, with
 * SIPp on every side: emergency calls by the caller's area (geographic
 * callers only, never refused for full channels), a payphone asserted by a
 * peer passing nuisance blocking, bulk forwarding to the slot-5 destination
 * frozen at the start, slot 5 for a number outside bulk groups, an
 * international destination written with a carrier prefix, and forwards to
 * the voice-mail platform (a SIPp UAS) and to a toll-free number.
 */
const TOKYO = '0312350001';
const OSAKA = '0612350002';
const IP050 = '05012350003';
const ONE = '0312350004'; // one channel
const TARGET = '0312350010';
const TARGET2 = '0312350013';
const BLOCKING = '0312350011';
const MEMBER = '0312350012';
const SLOT5 = '0312350014';
const INTL_FWD = '0312350015';
const VM_FWD = '0312350016';
const TF_FWD = '0312350017';
const PAYPHONE = '0612359999';
const OFFNET = '0612340000';
const PEER_IP = '127.0.0.5';

const lines: Record<string, Trunk> = {};
const defs: Array<{ name: string; number: string; channels?: number }> = [
  { name: 'r-tokyo', number: TOKYO },
  { name: 'r-osaka', number: OSAKA },
  { name: 'r-ip050', number: IP050 },
  { name: 'r-one', number: ONE, channels: 1 },
  { name: 'r-target', number: TARGET },
  { name: 'r-target2', number: TARGET2 },
  { name: 'r-blocking', number: BLOCKING },
  { name: 'r-member', number: MEMBER },
  { name: 'r-slot5', number: SLOT5 },
  { name: 'r-intl', number: INTL_FWD },
  { name: 'r-vm', number: VM_FWD },
  { name: 'r-tf', number: TF_FWD },
];
for (const d of defs) lines[d.name] = await trunk(d.name, `${d.name}-pw-1234`);
const carrier = { port: await freePort() };
const emergencyTokyo = { port: await freePort() };
const emergencyOsaka = { port: await freePort() };
const voicemail = { port: await freePort() };
const uncond = (destinations: Array<string | null>, extra: Record<string, unknown> = {}) => ({
  forwarding: { enabled: true, unconditional: true, destinations, ...extra },
});

const document = {
  voiceGroups: [
    {
      id: 'VGR',
      name: 'Rules',
      sites: [
        {
          id: '1000001',
          name: 'Site',
          lines: defs.map((d) => ({
            sipId: d.name,
            password: lines[d.name]!.password,
            auth: 'digest',
            channels: d.channels ?? 4,
            basicNumber: d.number,
          })),
          bulkGroups: [{ id: 'rules-bulk', name: 'Closed', members: [MEMBER] }],
        },
      ],
    },
  ],
  features: {
    [BLOCKING]: { blockedCallers: [PAYPHONE] },
    [MEMBER]: { forwarding: { destinations: [null, null, null, null, TARGET] } },
    [SLOT5]: uncond([null, null, null, null, TARGET], { active: 5 }),
    [INTL_FWD]: uncond(['0033-010-1-202-555-0123']),
    [VM_FWD]: uncond(['voicemail']),
    [TF_FWD]: { tollFreeForwarding: true, ...uncond(['0120-123-456']) },
  },
  routing: {
    peers: [{ name: 'carrier-peer', addresses: [PEER_IP] }],
    outboundRoutes: [{ name: 'carrier', prefix: '0', target: `127.0.0.1:${carrier.port}`, transport: 'udp' }],
    emergencyRoutes: [
      { name: 'emergency-tokyo', areaCodes: ['03'], target: `127.0.0.1:${emergencyTokyo.port}`, transport: 'udp' },
      { name: 'emergency-osaka', areaCodes: ['06'], target: `127.0.0.1:${emergencyOsaka.port}`, transport: 'udp' },
    ],
    voicemail: { name: 'vm', target: `127.0.0.1:${voicemail.port}`, transport: 'udp' },
  },
};
const stack = await startCallStack(document);
const node = stack.nodes[0]!;
for (const name of ['r-target', 'r-target2', 'r-blocking']) await registerTrunk(node, lines[name]!);
const redis = createRedis(stack.redis.url, 'call:', createLogger('silent'));
t.teardown(() => redis.disconnect());

const statusLine = (messages: string[], status: number) => messages.find((m) => m.startsWith(`SIP/2.0 ${status} `))?.split('\r\n')[0];
const diversion = (from: string, reason: string) => `<sip:${from}@${DOMAIN};user=phone>;reason=${reason};counter=1`;

t.test('emergency: each caller reaches the emergency route of its own area', async (t) => {
  const since = node.mark();
  const tokyo = await answer(node, 'call-callee.xml', emergencyTokyo);
  const call = await callFrom(node, lines['r-tokyo']!, { called: '110', from: TOKYO, expect: 200 });
  t.equal(call.code, 0, 'answered', describeSipp(call));
  t.match(requestUri(receivedInvite(await tokyo.done)), new RegExp(`^sip:110@127\\.0\\.0\\.1:${emergencyTokyo.port}`), 'the Tokyo route');

  const osaka = await answer(node, 'call-callee.xml', emergencyOsaka);
  const call2 = await callFrom(node, lines['r-osaka']!, { called: '119', from: OSAKA, expect: 200 });
  t.equal(call2.code, 0, 'answered', describeSipp(call2));
  const invite = receivedInvite(await osaka.done);
  t.match(requestUri(invite), new RegExp(`^sip:119@127\\.0\\.0\\.1:${emergencyOsaka.port}`), 'the Osaka route');
  t.match(headerValues(invite, 'P-Asserted-Identity')[0], new RegExp(`sip:${OSAKA}@`), 'the caller asserted');
  await settled(node, since, call2);
  t.match(
    node.events('call.decision', since).filter((l) => l.stage === 'emergency-route'),
    [{ target: 'emergency-tokyo' }, { target: 'emergency-osaka' }],
  );
});

t.test('emergency: a 050 IP-phone number is refused with 403 and the reason', async (t) => {
  const call = await callFrom(node, lines['r-ip050']!, { called: '110', from: IP050, expect: 403 });
  t.equal(call.code, 0, '403', describeSipp(call));
  t.equal(statusLine(receivedMessages(call), 403), 'SIP/2.0 403 Emergency calls need a geographic number (0 + area code)');
});

t.test('emergency: a line whose only channel is in use still reaches the emergency route; other calls get 486', async (t) => {
  const since = node.mark();
  const target = await answer(node, 'call-callee.xml', lines['r-target']!);
  const held = callFrom(node, lines['r-one']!, { called: TARGET, from: ONE, expect: 200, holdMs: 6000 });
  await node.waitForEvent('call.outcome', { since, where: (l) => l.status === 200, timeoutMs: 10_000 });

  const busy = await callFrom(node, lines['r-one']!, { called: OFFNET, from: ONE, expect: 486 });
  t.equal(busy.code, 0, 'an ordinary call: 486, no channel', describeSipp(busy));
  const emergency = await answer(node, 'call-callee.xml', emergencyTokyo);
  const call = await callFrom(node, lines['r-one']!, { called: '119', from: ONE, expect: 200 });
  t.equal(call.code, 0, 'the emergency call is answered', describeSipp(call));
  t.equal((await emergency.done).code, 0);

  const first = await held;
  t.equal(first.code, 0, 'the call holding the channel went on', describeSipp(first));
  t.equal((await target.done).code, 0);
});

t.test('nuisance blocking: a payphone asserted by a peer passes; the same number without the assertion gets 603', async (t) => {
  const callee = await answer(node, 'call-callee.xml', lines['r-blocking']!);
  const payphone = await callFromTrusted(node, {
    ip: PEER_IP,
    called: BLOCKING,
    from: `<sip:${PAYPHONE}@peer.invalid;user=phone>`,
    extraHeader: `P-Asserted-Identity: <tel:+81${PAYPHONE.slice(1)};cpc=payphone>`,
    expect: 200,
  });
  t.equal(payphone.code, 0, 'answered by the blocking number', describeSipp(payphone));
  t.equal((await callee.done).code, 0);

  const listed = await callFromTrusted(node, {
    ip: PEER_IP,
    called: BLOCKING,
    from: `<sip:${PAYPHONE};cpc=payphone@peer.invalid;user=phone>`,
    extraHeader: `P-Asserted-Identity: <tel:+81${PAYPHONE.slice(1)}>`,
    expect: 603,
  });
  t.equal(listed.code, 0, '603: cpc=payphone in From alone is not an assertion', describeSipp(listed));
});

/** Who starts and stops the group in these tests (recorded with the operation). */
const BY = { account: 'operator', now: Date.now };

t.test('bulk forwarding: the slot-5 destination frozen at the start, a change applies after the stop', async (t) => {
  await startBulk(redis, 'rules-bulk', BY);
  await stack.provision({ features: { [MEMBER]: { forwarding: { destinations: [null, null, null, null, TARGET2] } } } });
  const target = await answer(node, 'call-callee.xml', lines['r-target']!);
  const call = await callFrom(node, lines['r-tokyo']!, { called: MEMBER, from: TOKYO, expect: 200 });
  t.equal(call.code, 0, 'forwarded', describeSipp(call));
  const invite = receivedInvite(await target.done);
  t.match(requestUri(invite), new RegExp(`^sip:${TARGET}@`), 'to slot 5 as it was at the start');
  t.same(headerValues(invite, 'Diversion'), [diversion(MEMBER, 'unconditional')]);

  await stopBulk(redis, 'rules-bulk', BY);
  await startBulk(redis, 'rules-bulk', BY);
  const target2 = await answer(node, 'call-callee.xml', lines['r-target2']!);
  const again = await callFrom(node, lines['r-tokyo']!, { called: MEMBER, from: TOKYO, expect: 200 });
  t.equal(again.code, 0, 'forwarded', describeSipp(again));
  t.match(requestUri(receivedInvite(await target2.done)), new RegExp(`^sip:${TARGET2}@`), 'after a stop and a new start: the new slot 5');
  await stopBulk(redis, 'rules-bulk', BY);
});

t.test('slot 5 of a number in no bulk group is an ordinary slot', async (t) => {
  const target = await answer(node, 'call-callee.xml', lines['r-target']!);
  const call = await callFrom(node, lines['r-tokyo']!, { called: SLOT5, from: TOKYO, expect: 200 });
  t.equal(call.code, 0, 'forwarded', describeSipp(call));
  t.same(headerValues(receivedInvite(await target.done), 'Diversion'), [diversion(SLOT5, 'unconditional')]);
});

t.test('an international destination written 0033-010…: forwarded abroad, the carrier prefix dropped', async (t) => {
  const out = await answer(node, 'call-callee.xml', carrier);
  const call = await callFrom(node, lines['r-tokyo']!, { called: INTL_FWD, from: TOKYO, expect: 200 });
  t.equal(call.code, 0, 'answered by the carrier', describeSipp(call));
  const invite = receivedInvite(await out.done);
  t.match(requestUri(invite), new RegExp(`^sip:01012025550123@127\\.0\\.0\\.1:${carrier.port}`));
  t.same(headerValues(invite, 'Diversion'), [diversion(INTL_FWD, 'unconditional')]);
});

t.test('forwarding to the voice-mail platform: the mailbox in the Request-URI and the Diversion', async (t) => {
  const since = node.mark();
  const platform = await answer(node, 'call-callee.xml', voicemail);
  const call = await callFrom(node, lines['r-tokyo']!, { called: VM_FWD, from: TOKYO, expect: 200 });
  t.equal(call.code, 0, 'answered by the platform', describeSipp(call));
  const invite = receivedInvite(await platform.done);
  t.match(requestUri(invite), new RegExp(`^sip:${VM_FWD}@127\\.0\\.0\\.1:${voicemail.port}`), 'the mailbox');
  t.same(headerValues(invite, 'Diversion'), [diversion(VM_FWD, 'unconditional')], 'whose mailbox, and why');
  t.match(headerValues(invite, 'P-Asserted-Identity')[0], new RegExp(`sip:${TOKYO}@`), 'who called');
  await settled(node, since, call);
  t.match(
    node.events('call.decision', since).filter((l) => l.stage === 'voicemail-route'),
    [{ outcome: 'route', target: 'vm', number: VM_FWD }],
  );
});

t.test('forwarding to a toll-free number with the option', async (t) => {
  const out = await answer(node, 'call-callee.xml', carrier);
  const call = await callFrom(node, lines['r-tokyo']!, { called: TF_FWD, from: TOKYO, expect: 200 });
  t.equal(call.code, 0, 'answered by the carrier', describeSipp(call));
  const invite = receivedInvite(await out.done);
  t.match(requestUri(invite), /^sip:0120123456@/);
  t.same(headerValues(invite, 'Diversion'), [diversion(TF_FWD, 'unconditional')]);
});
