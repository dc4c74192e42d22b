import t from 'tap';
import { callFromTrusted, DOMAIN, startCallStack, trunk } from '../helpers/call-harness.js';
import { RawSipClient, randomToken, type RawMessage } from '../helpers/raw-sip-client.js';
import { buildDigestCredentials, parseChallenge } from '../helpers/sip-digest.js';
import { describeSipp } from '../helpers/sipp.js';

/**
 * Attack: a caller on another customer's block list marks its call as coming
 * from a payphone (`cpc=payphone` on From and P-Asserted-Identity, the
 * payphone display name), hoping to pass nuisance blocking, which lets
 * payphones through (docs/product.md §4.1). Only a trusted peer's asserted
 * identity can say so: from a customer's line, digest or IP-authenticated,
 * the marks are the caller's own word, and the call gets 603.
 */
const BLOCKER = '0312348001'; // blocks both attackers' numbers
const DIGEST_ATTACKER = '0312348002';
const IP_ATTACKER = '0312348003';
const IP_ATTACKER_ADDRESS = '127.0.0.6';

const attacker = await trunk('pp-attacker', 'attacker-pw-8002');
const stack = await startCallStack({
  voiceGroups: [
    {
      id: 'VGP',
      name: 'Payphone',
      sites: [
        {
          id: '1000001',
          name: 'HQ',
          lines: [
            { sipId: 'pp-blocker', password: 'blocker-pw-8001', auth: 'digest', channels: 4, basicNumber: BLOCKER },
            { sipId: attacker.sipId, password: attacker.password, auth: 'digest', channels: 4, basicNumber: DIGEST_ATTACKER },
            { sipId: 'pp-gw', auth: 'ip', allowedAddresses: [IP_ATTACKER_ADDRESS], channels: 4, basicNumber: IP_ATTACKER },
          ],
        },
      ],
    },
  ],
  features: { [BLOCKER]: { blockedCallers: [DIGEST_ATTACKER, IP_ATTACKER] } },
});
const node = stack.nodes[0]!;
const caller = await RawSipClient.open('udp', { port: node.port });
t.teardown(() => caller.close());

const payphoneMarks = (number: string): Array<[string, string]> => [
  ['P-Asserted-Identity', `<tel:+81${number.slice(1)};cpc=payphone>`],
  ['P-Preferred-Identity', `<sip:+81${number.slice(1)};cpc=payphone@${DOMAIN};user=phone>`],
];

/** RFC 3261 §17.1.1.3: the ACK for a non-2xx has the INVITE's Via and the answer's To. */
function ack(invite: string, answer: RawMessage): void {
  caller.sendRaw(
    [
      `ACK ${/^INVITE (\S+)/.exec(invite)![1]} SIP/2.0`,
      /^Via: .*$/m.exec(invite)![0],
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

t.test('a digest line marking its call as a payphone is still blocked (603)', async (t) => {
  const since = node.mark();
  const uri = `sip:${BLOCKER}@${DOMAIN}`;
  const callId = `${randomToken()}@attacker`;
  const headers = (cseq: number, extra: Array<[string, string]> = []): Array<[string, string]> => [
    ['From', `"Coin line/payphone" <sip:${DIGEST_ATTACKER};cpc=payphone@${DOMAIN};user=phone>;tag=pp`],
    ['To', `<${uri}>`],
    ['Call-ID', callId],
    ['CSeq', `${cseq} INVITE`],
    ['Contact', `<${caller.contactUri('attacker')}>`],
    ...payphoneMarks(DIGEST_ATTACKER),
    ...extra,
  ];
  const first = caller.buildRequest('INVITE', uri, headers(1));
  const challenge = await caller.request(first);
  t.equal(challenge.status, 407);
  ack(first, challenge);
  const digest = parseChallenge(challenge.all('proxy-authenticate').find((c) => /algorithm=MD5/i.test(c))!);
  const { header } = buildDigestCredentials({
    username: attacker.sipId,
    password: attacker.password,
    realm: digest.params.realm!,
    nonce: digest.params.nonce!,
    algorithm: 'MD5',
    method: 'INVITE',
    uri,
    nc: 1,
    cnonce: randomToken(),
  });
  const second = caller.buildRequest('INVITE', uri, headers(2, [['Proxy-Authorization', header]]));
  const answer = await caller.request(second, 10_000);
  ack(second, answer);
  t.equal(answer.status, 603, 'Decline: the payphone marks are not believed from a line');
  // The answer can reach us before the decision's log line does: wait for it.
  const decision = await node.waitForEvent('call.decision', { since, where: (l) => l.callId === callId && l.stage === 'nuisance-blocking' });
  t.match(decision, { outcome: 'reject' });
  t.notOk(
    node.events('call.offer', since).some((l) => l.callId === callId),
    'the blocking number was not offered the call',
  );
});

t.test('an IP-authenticated line (trusted by address, but a customer) marking a payphone is still blocked (603)', async (t) => {
  const call = await callFromTrusted(node, {
    ip: IP_ATTACKER_ADDRESS,
    called: BLOCKER,
    from: `"payphone" <sip:${IP_ATTACKER};cpc=payphone@${IP_ATTACKER_ADDRESS};user=phone>`,
    extraHeader: `P-Asserted-Identity: <tel:+81${IP_ATTACKER.slice(1)};cpc=payphone>`,
    expect: 603,
  });
  t.equal(call.code, 0, '603', describeSipp(call));
});
