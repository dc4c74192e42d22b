import t from 'tap';
import {
  answer,
  callFrom,
  callFromTrusted,
  headerValues,
  receivedInvite,
  registerTrunk,
  requestUri,
  trunk,
  startCallStack,
  settled,
} from '../helpers/call-harness.js';
import { freePort } from '../helpers/free-port.js';
import { describeSipp, receivedMessages } from '../helpers/sipp.js';

/**
 * Originating rules (docs/product.md §4.3, §5): the international bar, outgoing
 * restriction, emergency calls, 184/186, specific-number presentation, and
 * the identity headers a call carries to a carrier (trusted: PAI even when
 * withheld) and to a customer trunk (untrusted: no PAI when withheld). A
 * SIPp UAS on 127.0.0.1 stands in for the carrier behind the outbound and
 * emergency routes; an IP-authenticated trunk calls from 127.0.0.4.
 */
const ALICE = '0312340021'; // international bar
const ERIN = '0312340022'; // international bar + outgoing restriction
const FRANK = '0312340023'; // specific-number presentation, no bar
const GW = '0612340024'; // IP trunk, withholds by default
const BOB = '0312340025'; // a customer trunk that answers
const TOLL_FREE = '0120123456';
const INTL = '01012025550123';
const OFFNET = '0399990000';
const alice = await trunk('alice', 'alice-pass-123');
const erin = await trunk('erin', 'erin-pw-135qrs');
const frank = await trunk('frank', 'frank-pw-864zyx');
const bob = await trunk('bob', 'bob-secret-456');
const carrier = { port: await freePort() };
const stack = await startCallStack({
  voiceGroups: [
    {
      id: 'VG1',
      name: 'Origination',
      sites: [
        {
          id: '1000001',
          name: 'Site',
          lines: [
            { sipId: alice.sipId, password: alice.password, auth: 'digest', channels: 4, basicNumber: ALICE },
            { sipId: erin.sipId, password: erin.password, auth: 'digest', channels: 4, basicNumber: ERIN },
            { sipId: frank.sipId, password: frank.password, auth: 'digest', channels: 4, basicNumber: FRANK },
            { sipId: bob.sipId, password: bob.password, auth: 'digest', channels: 4, basicNumber: BOB },
            { sipId: 'gw', auth: 'ip', allowedAddresses: ['127.0.0.4'], channels: 4, basicNumber: GW },
          ],
        },
      ],
    },
  ],
  features: {
    [ALICE]: { internationalBar: true },
    [ERIN]: { internationalBar: true, outgoingRestriction: true },
    [FRANK]: { specificPresentation: { number: TOLL_FREE, enabled: true } },
    [GW]: { presentation: 'withhold' },
  },
  routing: {
    outboundRoutes: [
      { name: 'carrier-intl', prefix: '010', target: `127.0.0.1:${carrier.port}`, transport: 'udp' },
      { name: 'carrier', prefix: '0', target: `127.0.0.1:${carrier.port}`, transport: 'udp' },
    ],
    emergencyRoute: { name: 'emergency', target: `127.0.0.1:${carrier.port}`, transport: 'udp' },
  },
});
const node = stack.nodes[0]!;
await registerTrunk(node, bob);

const statusLine = (messages: string[], status: number) => messages.find((m) => m.startsWith(`SIP/2.0 ${status} `))?.split('\r\n')[0];
const pai = (invite: string | undefined) => headerValues(invite, 'P-Asserted-Identity')[0] ?? '';

t.test('an international call from a barred line: 403 with the reason', async (t) => {
  const call = await callFrom(node, alice, { called: INTL, from: ALICE, expect: 403 });
  t.equal(call.code, 0, '403', describeSipp(call));
  t.equal(statusLine(receivedMessages(call), 403), 'SIP/2.0 403 International calls are barred on this line');
});

t.test('an international call from a line without the bar goes out by the longest prefix', async (t) => {
  const since = node.mark();
  const out = await answer(node, 'call-callee.xml', carrier);
  const call = await callFrom(node, frank, { called: INTL, from: FRANK, expect: 200 });
  t.equal(call.code, 0, 'answered by the carrier', describeSipp(call));
  t.match(requestUri(receivedInvite(await out.done)), new RegExp(`^sip:${INTL}@127\\.0\\.0\\.1:${carrier.port}`));
  await settled(node, since, call);
  t.ok(
    node.events('call.decision', since).some((l) => l.stage === 'outbound-route' && l.target === 'carrier-intl'),
    'route carrier-intl chosen',
  );
});

t.test('an emergency call from a barred and restricted line goes to the emergency route', async (t) => {
  const since = node.mark();
  const out = await answer(node, 'call-callee.xml', carrier);
  const call = await callFrom(node, erin, { called: '110', from: ERIN, expect: 200 });
  t.equal(call.code, 0, 'answered', describeSipp(call));
  const invite = receivedInvite(await out.done);
  t.match(requestUri(invite), /^sip:110@/, 'Request-URI 110');
  t.match(pai(invite), new RegExp(`sip:${ERIN}@`), 'the caller asserted to the emergency service');
  await settled(node, since, call);
  t.ok(node.events('call.decision', since).some((l) => l.stage === 'emergency-route' && l.outcome === 'route'));
});

t.test('outgoing restriction refuses other calls with 403', async (t) => {
  const call = await callFrom(node, erin, { called: OFFNET, from: ERIN, expect: 403 });
  t.equal(call.code, 0, '403', describeSipp(call));
  t.equal(statusLine(receivedMessages(call), 403), 'SIP/2.0 403 Outgoing calls are restricted on this line');
});

t.test('184 withholds: a carrier gets Privacy: id with the asserted identity, the prefix removed', async (t) => {
  const out = await answer(node, 'call-callee.xml', carrier);
  const call = await callFrom(node, alice, { called: `184${OFFNET}`, from: ALICE, expect: 200 });
  t.equal(call.code, 0, 'answered', describeSipp(call));
  const invite = receivedInvite(await out.done);
  t.match(requestUri(invite), new RegExp(`^sip:${OFFNET}@`), 'prefix removed');
  t.match(headerValues(invite, 'From')[0], /^"Anonymous" <sip:anonymous@anonymous\.invalid>/, 'From anonymous');
  t.same(headerValues(invite, 'Privacy'), ['id']);
  t.match(pai(invite), new RegExp(`^<sip:${ALICE}@test\\.example`), 'PAI kept for the trusted carrier');
});

t.test('184 to a customer trunk: anonymous, Privacy: id, no PAI', async (t) => {
  const callee = await answer(node, 'call-callee.xml', bob);
  const call = await callFrom(node, alice, { called: `184${BOB}`, from: ALICE, expect: 200 });
  t.equal(call.code, 0, 'answered', describeSipp(call));
  const invite = receivedInvite(await callee.done);
  t.match(requestUri(invite), new RegExp(`^sip:${BOB}@`));
  t.match(headerValues(invite, 'From')[0], /anonymous@anonymous\.invalid/);
  t.same(headerValues(invite, 'Privacy'), ['id']);
  t.same(headerValues(invite, 'P-Asserted-Identity'), [], 'no PAI to an untrusted trunk');
});

t.test('an IP trunk withholding by default; 186 presents for one call', async (t) => {
  const withheld = await answer(node, 'call-callee.xml', bob);
  const call1 = await callFromTrusted(node, { ip: '127.0.0.4', called: BOB, from: `<sip:${GW}@127.0.0.4>`, expect: 200 });
  t.equal(call1.code, 0, 'answered', describeSipp(call1));
  const invite1 = receivedInvite(await withheld.done);
  t.same(headerValues(invite1, 'Privacy'), ['id'], 'withheld by default');
  t.match(headerValues(invite1, 'From')[0], /anonymous\.invalid/);

  const presented = await answer(node, 'call-callee.xml', bob);
  const call2 = await callFromTrusted(node, { ip: '127.0.0.4', called: `186${BOB}`, from: `<sip:${GW}@127.0.0.4>`, expect: 200 });
  t.equal(call2.code, 0, 'answered', describeSipp(call2));
  const invite2 = receivedInvite(await presented.done);
  t.match(requestUri(invite2), new RegExp(`^sip:${BOB}@`), '186 removed');
  t.same(headerValues(invite2, 'Privacy'), [], 'no Privacy');
  t.match(headerValues(invite2, 'From')[0], new RegExp(`sip:${GW}@test\\.example`), 'From: the number');
  t.match(pai(invite2), new RegExp(`sip:${GW}@`), 'PAI: the number');
});

t.test('specific-number presentation: the toll-free number is presented', async (t) => {
  const out = await answer(node, 'call-callee.xml', carrier);
  const call = await callFrom(node, frank, { called: OFFNET, from: FRANK, expect: 200 });
  t.equal(call.code, 0, 'answered', describeSipp(call));
  const invite = receivedInvite(await out.done);
  t.match(pai(invite), new RegExp(`^<sip:${TOLL_FREE}@`), 'PAI: the toll-free number');
  t.match(headerValues(invite, 'From')[0], new RegExp(`sip:${TOLL_FREE}@`), 'From: the toll-free number');
});

t.test("a phone set up with an outbound proxy: the Route naming us is removed, the carrier gets none; the caller's responses keep its own From", async (t) => {
  const out = await answer(node, 'call-callee.xml', carrier);
  const callerFrom = `<sip:${GW}@127.0.0.4>`;
  const call = await callFromTrusted(node, {
    ip: '127.0.0.4',
    called: OFFNET,
    from: callerFrom,
    extraHeader: `Route: <sip:127.0.0.1:${node.port};lr>`,
    expect: 200,
  });
  t.equal(call.code, 0, 'answered by the carrier, not looped back (482)', describeSipp(call));
  const invite = receivedInvite(await out.done);
  t.same(headerValues(invite, 'Route'), [], 'no Route reaches the carrier (RFC 3261 §16.4)');
  t.match(headerValues(invite, 'From')[0], /anonymous\.invalid/, 'the carrier is shown the withheld identity');
  const answers = receivedMessages(call).filter((m) => /^SIP\/2\.0 (180|200) /.test(m));
  t.ok(answers.length > 0, 'the caller got the answer');
  for (const m of answers) t.match(headerValues(m, 'From')[0], new RegExp(`^<sip:${GW}@127\\.0\\.0\\.4>;tag=`), `${m.split('\r\n')[0]}: the caller's own From`);
});
