import t, { type Test } from 'tap';
import { DOMAIN, startCallStack, trunk } from '../helpers/call-harness.js';
import { DigestUa, RawSipClient, randomToken, type RawMessage } from '../helpers/raw-sip-client.js';
import { buildDigestCredentials, parseChallenge } from '../helpers/sip-digest.js';

/**
 * Attack: a customer's line puts another customer's number in every identity
 * header it can think of (a display name, Remote-Party-ID, P-Charge-Info,
 * History-Info, P-Asserted-Identity, P-Preferred-Identity, Privacy: none),
 * hoping the carrier or the called customer shows or bills that number.
 * The carrier (a raw UDP socket behind the outbound route) and a called line
 * (a raw UA registered for it) must see only the identity the service
 * asserts: its own From and P-Asserted-Identity for the line's number.
 */
const ALICE = '0312347001'; // the attacker's line
const BOB = '0312347002'; // a line of the same customer, called
const OTHER = '0399997003'; // another customer's number
const OFFNET = '0612347004'; // a number behind the carrier

const alice = await trunk('id-alice', 'alice-pw-7001');
const bob = await trunk('id-bob', 'bob-pw-70022');
const document = {
  voiceGroups: [
    {
      id: 'VGA',
      name: 'Attacker Co',
      sites: [
        {
          id: '1000001',
          name: 'HQ',
          lines: [
            { sipId: alice.sipId, password: alice.password, auth: 'digest', channels: 4, basicNumber: ALICE },
            { sipId: bob.sipId, password: bob.password, auth: 'digest', channels: 4, basicNumber: BOB },
          ],
        },
      ],
    },
    {
      id: 'VGV',
      name: 'Victim Ltd',
      sites: [{ id: '2000001', name: 'Office', lines: [{ sipId: 'id-victim', password: 'victim-pw-7003', auth: 'digest', channels: 4, basicNumber: OTHER }] }],
    },
  ],
};
const stack = await startCallStack(document);
const node = stack.nodes[0]!;
const server = { port: node.port };
const caller = await RawSipClient.open('udp', server);
const callee = await RawSipClient.open('udp', server);
const carrier = await RawSipClient.open('udp', server);
// Routes are read on every call: add the carrier now that its socket (and port) exists.
await stack.provision({
  ...document,
  routing: { outboundRoutes: [{ name: 'carrier', prefix: '06', target: `127.0.0.1:${carrier.localPort}`, transport: 'udp' }] },
});
t.teardown(() => {
  caller.close();
  callee.close();
  carrier.close();
});
const bobUa = new DigestUa(callee, { user: bob.sipId, password: bob.password, domain: DOMAIN });
const registered = await bobUa.register({ contacts: [bobUa.contact()], expires: 600 });
if (registered.status !== 200) throw new Error(`bob did not register: ${registered.startLine}`);

/** Every spoofed identity header, each naming OTHER. */
const SPOOFED: Array<[string, string]> = [
  ['Remote-Party-ID', `"Victim" <sip:${OTHER}@${DOMAIN}>;party=calling;screen=yes;privacy=off`],
  ['P-Charge-Info', `<sip:${OTHER}@${DOMAIN};user=phone>`],
  ['History-Info', `<sip:${OTHER}@${DOMAIN}>;index=1`],
  ['P-Asserted-Identity', `<sip:${OTHER}@${DOMAIN};user=phone>`],
  ['P-Preferred-Identity', `<sip:${OTHER}@${DOMAIN}>`],
  ['Privacy', 'none'],
];
const SDP = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\n';

/** A final answer (486) from a UAS to the INVITE it received, so the call ends at once. */
function busy(invite: RawMessage): string {
  const lines = [
    'SIP/2.0 486 Busy Here',
    ...invite.all('via').map((v) => `Via: ${v}`),
    `From: ${invite.header('from')}`,
    `To: ${invite.header('to')};tag=uas-${randomToken(3)}`,
    `Call-ID: ${invite.callId}`,
    `CSeq: ${invite.cseq}`,
    'Content-Length: 0',
  ];
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/**
 * Alice's INVITE with the spoofed headers, answered to the 407 like a phone,
 * then ACKs the final answer. `uas` is whoever the call is offered to; it
 * answers 486. Returns the INVITE as the UAS received it.
 */
async function spoofedCall(called: string, uas: RawSipClient): Promise<RawMessage> {
  const callId = `${randomToken()}@attacker`;
  const uri = `sip:${called}@${DOMAIN}`;
  const headers = (cseq: number, extra: Array<[string, string]> = []): Array<[string, string]> => [
    ['From', `"${OTHER}" <sip:${OTHER}@${DOMAIN}>;tag=atk`],
    ['To', `<${uri}>`],
    ['Call-ID', callId],
    ['CSeq', `${cseq} INVITE`],
    ['Contact', `<${caller.contactUri('alice')}>`],
    ...SPOOFED,
    ...extra,
    ['Content-Type', 'application/sdp'],
  ];
  const first = caller.buildRequest('INVITE', uri, headers(1), SDP);
  const challenge = await caller.request(first);
  if (challenge.status !== 407) throw new Error(`expected 407, got ${challenge.startLine}`);
  sendAck(first, challenge);
  const digest = parseChallenge(challenge.all('proxy-authenticate').find((c) => /algorithm=MD5/i.test(c))!);
  const { header } = buildDigestCredentials({
    username: alice.sipId,
    password: alice.password,
    realm: digest.params.realm!,
    nonce: digest.params.nonce!,
    algorithm: 'MD5',
    method: 'INVITE',
    uri,
    nc: 1,
    cnonce: randomToken(),
  });
  const seen = uas.received.length;
  const second = caller.buildRequest('INVITE', uri, headers(2, [['Proxy-Authorization', header]]), SDP);
  const finalAnswer = caller.request(second, 10_000);
  const offered = await uas.waitFor((m) => m.startLine.startsWith('INVITE '), { since: seen, timeoutMs: 10_000 });
  uas.sendRaw(busy(offered));
  const answer = await finalAnswer;
  sendAck(second, answer);
  if (answer.status !== 486) throw new Error(`expected the callee's 486, got ${answer.startLine}`);
  return offered;
}

/** RFC 3261 §17.1.1.3: the ACK for a non-2xx has the INVITE's Via and the answer's To. */
function sendAck(invite: string, answer: RawMessage): void {
  const via = /^Via: .*$/m.exec(invite)![0];
  caller.sendRaw(
    [
      `ACK ${/^INVITE (\S+)/.exec(invite)![1]} SIP/2.0`,
      via,
      'Max-Forwards: 70',
      `From: ${answer.header('from')}`,
      `To: ${answer.header('to')}`,
      `Call-ID: ${answer.callId}`,
      `CSeq: ${answer.cseq.split(' ')[0]} ACK`,
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n'),
  );
}

function assertOnlyOurIdentity(t: Test, invite: RawMessage, where: string): void {
  for (const name of ['remote-party-id', 'p-charge-info', 'history-info', 'p-preferred-identity', 'privacy']) {
    t.same(invite.all(name), [], `${where}: no ${name}`);
  }
  t.same(invite.all('p-asserted-identity'), [`<sip:${ALICE}@${DOMAIN};user=phone>`], `${where}: only our PAI, for the line's number`);
  t.match(invite.header('from'), new RegExp(`^<sip:${ALICE}@${DOMAIN.replace('.', '\\.')};user=phone>;tag=atk$`), `${where}: our From, no display name`);
  t.notOk(invite.raw.includes(OTHER), `${where}: the other customer's number appears nowhere`);
  t.notOk(/proxy-authorization/i.test(invite.raw), `${where}: no credentials`);
}

t.test('line -> carrier: only the identity the service asserts', async (t) => {
  const offered = await spoofedCall(OFFNET, carrier);
  assertOnlyOurIdentity(t, offered, 'at the carrier');
});

t.test('line -> line: only the identity the service asserts', async (t) => {
  const offered = await spoofedCall(BOB, callee);
  assertOnlyOurIdentity(t, offered, 'at the called line');
});
