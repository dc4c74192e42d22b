import t from 'tap';
import {
  answer,
  callFrom,
  callFromTrusted,
  receivedInvite,
  registerTrunk,
  requestUri,
  sippCallId,
  startCallStack,
  trunk,
  settled,
} from '../helpers/call-harness.js';
import { freePort } from '../helpers/free-port.js';
import { describeSipp } from '../helpers/sipp.js';

/**
 * Announcements instead of bare status codes (docs/product.md §4.7, RFC 4240),
 * with real pieces: a SIPp UAS stands in for the media server. With
 * `announcements.server` configured, a refused call is sent to
 * `sip:annc@server;play=<prompt>` and answered there, and the caller gets that
 * answer; a node without it answers the status code as before.
 */
const PEER_IP = '127.0.0.3';
const MEDIA_IP = '127.0.0.4';
const CAROL = '0312340011'; // blocks BLOCKED, rejects anonymous calls
const RITA = '0312340013'; // outgoing calls restricted
const BLOCKED = '0612345678';
const PROMPTS = {
  nuisance: 'http://media.test/prompts/declined.wav',
  anonymous: 'http://media.test/prompts/anonymous.wav',
  outgoingRestriction: 'http://media.test/prompts/restricted.wav',
};
const carol = await trunk('carol', 'carol-pw-789xyz');
const rita = await trunk('rita', 'rita-pw-135qwe');
const mediaPort = await freePort();
const stack = await startCallStack(
  {
    voiceGroups: [
      {
        id: 'VG1',
        name: 'Announcements',
        sites: [
          {
            id: '1000001',
            name: 'Site',
            lines: [
              { sipId: carol.sipId, password: carol.password, auth: 'digest', channels: 4, basicNumber: CAROL },
              { sipId: rita.sipId, password: rita.password, auth: 'digest', channels: 4, basicNumber: RITA },
            ],
          },
        ],
      },
    ],
    features: { [CAROL]: { blockedCallers: [BLOCKED], anonymousRejection: true }, [RITA]: { outgoingRestriction: true } },
    routing: { peers: [{ name: 'pstn', addresses: [PEER_IP] }] },
  },
  1,
  { announcements: { server: { address: MEDIA_IP, port: mediaPort }, play: PROMPTS } },
);
const node = stack.nodes[0]!;
await registerTrunk(node, carol);
await registerTrunk(node, rita);
const from = (number: string) => `<sip:${number}@pstn.invalid;user=phone>`;
const media = { ip: MEDIA_IP, port: mediaPort };
const annc = (play: string) => `sip:annc@${MEDIA_IP}:${mediaPort};play=${play}`;

t.test('a blocked caller is answered by the announcement server with the nuisance prompt', async (t) => {
  const before = (await stack.features.nuisanceCounts(CAROL, new Date(), 'Asia/Tokyo')).thisMonth;
  const since = node.mark();
  const server = await answer(node, 'call-callee.xml', media);
  const call = await callFromTrusted(node, { ip: PEER_IP, called: CAROL, from: from(BLOCKED), expect: 200 });
  const played = await server.done;
  t.equal(call.code, 0, 'the caller gets the announcement server’s 200', describeSipp(call));
  t.equal(played.code, 0, 'the media server got the INVITE and answered it', describeSipp(played));
  t.equal(requestUri(receivedInvite(played)), annc(PROMPTS.nuisance), 'RFC 4240 URI with the configured prompt');
  const decision = await node.waitForEvent('call.decision', { since, where: (l) => l.callId === sippCallId(call) && l.stage === 'nuisance-blocking' });
  t.equal(decision.outcome, 'reject', 'the rejection is still logged as a decision');
  t.equal(decision.status, 603);
  await settled(node, since, call);
  t.notOk(
    node.events('call.offer', since).some((l) => l.callId === sippCallId(call)),
    'carol is not rung',
  );
  t.equal((await stack.features.nuisanceCounts(CAROL, new Date(), 'Asia/Tokyo')).thisMonth - before, 1, 'the rejection is still counted');
});

t.test('a withheld caller is answered with the anonymous-rejection prompt', async (t) => {
  const server = await answer(node, 'call-callee.xml', media);
  const call = await callFromTrusted(node, {
    ip: PEER_IP,
    called: CAROL,
    from: '"Anonymous" <sip:anonymous@anonymous.invalid>',
    privacy: 'id',
    expect: 200,
  });
  const played = await server.done;
  t.equal(call.code, 0, 'answered', describeSipp(call));
  t.equal(requestUri(receivedInvite(played)), annc(PROMPTS.anonymous));
});

t.test('a restricted line calling out is answered with the outgoing-restriction prompt', async (t) => {
  const server = await answer(node, 'call-callee.xml', media);
  const call = await callFrom(node, rita, { called: CAROL, from: RITA, expect: 200 });
  const played = await server.done;
  t.equal(call.code, 0, 'answered', describeSipp(call));
  const invite = receivedInvite(played);
  t.equal(requestUri(invite), annc(PROMPTS.outgoingRestriction));
  t.notMatch(invite ?? '', /Proxy-Authorization/i, 'the caller’s credentials do not reach the media server');
});

t.test('without an announcement server the status codes are unchanged', async (t) => {
  const plain = await stack.addNode('node-plain');
  const blocked = await callFromTrusted(plain, { ip: PEER_IP, called: CAROL, from: from(BLOCKED), expect: 603 });
  t.equal(blocked.code, 0, 'nuisance: 603', describeSipp(blocked));
  const anonymous = await callFromTrusted(plain, {
    ip: PEER_IP,
    called: CAROL,
    from: '"Anonymous" <sip:anonymous@anonymous.invalid>',
    privacy: 'id',
    expect: 433,
  });
  t.equal(anonymous.code, 0, 'anonymous: 433', describeSipp(anonymous));
  const restricted = await callFrom(plain, rita, { called: CAROL, from: RITA, expect: 403 });
  t.equal(restricted.code, 0, 'outgoing restriction: 403', describeSipp(restricted));
  t.same(
    plain.events('call.decision').filter((l) => l.stage === 'announcement'),
    [],
    'nothing was sent to an announcement server',
  );
});
