import t from 'tap';
import { DOMAIN, startCallStack } from '../helpers/call-harness.js';
import { freePort } from '../helpers/free-port.js';
import { randomToken, RawSipClient, type RawMessage } from '../helpers/raw-sip-client.js';
import { quietPeriod, UdpSink } from '../helpers/udp-sink.js';

/**
 * The announcement path is not a relay (docs/product.md §4.7, §7): the URI a
 * refused call is sent to comes from the configuration only. A caller who
 * writes `play=`, `maddr` or another host into its INVITE still reaches only
 * the configured server with the configured prompt, and nobody reaches the
 * announcement server by dialling it. A bare UDP socket plays the media
 * server (it answers 480, so the refusal's status code comes back), another
 * the third party an attacker would like to reach.
 */
const PEER_IP = '127.0.0.3';
const CAROL = '0312340011';
const BLOCKED = '0612345678';
const PROMPT = 'http://media.test/prompts/declined.wav';

const media = await UdpSink.open('127.0.0.4', await freePort());
const victim = await UdpSink.open('127.0.0.66');
const stack = await startCallStack(
  {
    voiceGroups: [
      {
        id: 'VG1',
        name: 'Announcements',
        sites: [{ id: '1000001', name: 'Site', lines: [{ sipId: 'carol', password: 'carol-pw-789xyz', auth: 'digest', channels: 4, basicNumber: CAROL }] }],
      },
    ],
    features: { [CAROL]: { blockedCallers: [BLOCKED] } },
    routing: { peers: [{ name: 'pstn', addresses: [PEER_IP] }] },
  },
  1,
  { announcements: { server: { address: media.address, port: media.port }, play: { nuisance: PROMPT } } },
);
const node = stack.nodes[0]!;
const peer = await RawSipClient.open('udp', { port: node.port }, PEER_IP);
const stranger = await RawSipClient.open('udp', { port: node.port });
t.teardown(() => {
  peer.close();
  stranger.close();
  media.close();
  victim.close();
});
const CONFIGURED = `sip:annc@${media.address}:${media.port};play=${PROMPT}`;

// The media server refuses every INVITE it gets (480), so the caller's refusal stands and the test stays short.
media.onMessage = (m: RawMessage) => {
  if (!m.startLine.startsWith('INVITE ')) return;
  const lines = ['SIP/2.0 480 Temporarily Unavailable', ...m.all('via').map((v) => `Via: ${v}`)];
  lines.push(`From: ${m.header('from')}`, `To: ${m.header('to')};tag=media`, `Call-ID: ${m.callId}`, `CSeq: ${m.cseq}`, 'Content-Length: 0');
  media.send(`${lines.join('\r\n')}\r\n\r\n`, node.port);
};

function invite(client: RawSipClient, uri: string, extra: Array<[string, string]> = []): string {
  return client.buildRequest('INVITE', uri, [
    ['From', `<sip:${BLOCKED}@pstn.invalid;user=phone>;tag=${randomToken()}`],
    ['To', `<${uri}>`],
    ['Call-ID', `${randomToken()}@attacker`],
    ['CSeq', '1 INVITE'],
    ['Contact', `<${client.contactUri('caller')}>`],
    ...extra,
  ]);
}

const invitesAtMedia = () => media.received.filter((m) => m.startLine.startsWith('INVITE '));

t.test('play=, maddr and Route written by the caller do not steer the announcement leg', async (t) => {
  const before = invitesAtMedia().length;
  const uri = `sip:${CAROL}@${DOMAIN};play=http://evil.example/x.wav;maddr=${victim.address}`;
  const response = await peer.request(
    invite(peer, uri, [
      ['Route', `<sip:${victim.address}:${victim.port};lr>`],
      ['X-Play', 'http://evil.example/y.wav'],
    ]),
    8000,
  );
  t.equal(response.status, 603, 'the media server did not answer: the refusal stands');
  const sent = invitesAtMedia().slice(before);
  t.equal(sent.length, 1, 'one INVITE reached the configured media server');
  t.equal(sent[0]!.startLine, `INVITE ${CONFIGURED} SIP/2.0`, 'its Request-URI is exactly the configured one');
  t.notMatch(sent[0]!.startLine, /evil/, 'nothing of the request went into it');
  await quietPeriod();
  t.equal(victim.received.length, 0, 'the host the caller named received nothing');
});

t.test('an unauthenticated source dialling the announcement URI is challenged; the media server gets nothing', async (t) => {
  const before = media.received.length;
  const response = await stranger.request(invite(stranger, `sip:annc@${media.address}:${media.port};play=http://evil.example/z.wav`));
  t.equal(response.status, 407);
  await quietPeriod();
  t.equal(media.received.length, before, 'nothing reached the media server');
});

t.test('a trusted peer dialling the announcement user is not relayed to the media server', async (t) => {
  const before = media.received.length;
  const response = await peer.request(invite(peer, `sip:annc@${media.address}:${media.port};play=http://evil.example/z.wav`));
  t.equal(response.status, 404, 'not one of our numbers');
  await quietPeriod();
  t.equal(media.received.length, before, 'nothing reached the media server');
});
