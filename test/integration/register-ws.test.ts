import { readFileSync, writeFileSync } from 'node:fs';
import t from 'tap';
import { WebSocket } from 'ws';
import { parse, stringify } from 'yaml';
import { Invitation, Inviter, Registerer, RegistererState, SessionState, UserAgent, type SessionDescriptionHandler } from 'sip.js';
import { answer, callFrom, headerValues, receivedInvite, registerTrunk, requestUri, trunk } from '../helpers/call-harness.js';
import { freePort } from '../helpers/free-port.js';
import { startTestRedis } from '../helpers/redis-server.js';
import { lineStatus, provision, ServerProcess, writeServerConfig } from '../helpers/server-process.js';
import { describeSipp, receivedMessages } from '../helpers/sipp.js';

/**
 * SIP over WebSocket (RFC 7118) with sip.js as a real client: it registers
 * over ws:// (the binding keeps the WS connection), unregisters, and takes
 * calls from a SIPp trunk over the very connection it registered on: the
 * INVITE, then the ACK and BYE of the dialog, which find the client through
 * the flow token in our Record-Route because its Contact host is `.invalid`.
 *
 * sip.js in Node: the `ws` package's WebSocket class stands in for the
 * browser's, no WebRTC (a stub session description handler answers with a
 * fixed SDP), and digest MD5 only: offered MD5 and SHA-256 challenges
 * together, sip.js 0.21 tries the SHA-256 one and gives up, so this node
 * offers MD5 alone. sip.js accepts a request only for its AoR or Contact
 * user, and the server puts the called number in the Request-URI, so the
 * client's contactName is its number.
 */
const DOMAIN = 'test.example';
const A = { number: '0312340001' };
const B = { number: '0312340002' };
const alice = await trunk('alice', 'alice-pass-123');
const bob = { sipId: 'bob', password: 'bob-secret-456' };

(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;

const redis = await startTestRedis();
t.teardown(() => redis.stop());
const config = await writeServerConfig({ redisUrl: redis.url, keyPrefix: 'ws:', domain: DOMAIN, algorithms: ['MD5'] });
const wsPort = await freePort();
// The shared helper writes UDP and TCP listeners; add the WebSocket one.
const document = parse(readFileSync(config.file, 'utf8')) as { sip: { listen: unknown[] } };
document.sip.listen.push({ transport: 'ws', address: '127.0.0.1', port: wsPort });
writeFileSync(config.file, stringify(document));
await provision(config, {
  voiceGroups: [
    {
      id: 'VG1',
      name: 'WS',
      sites: [
        {
          id: '1000001',
          name: 'Site',
          lines: [
            { sipId: alice.sipId, password: alice.password, auth: 'digest', channels: 2, basicNumber: A.number },
            { sipId: bob.sipId, password: bob.password, auth: 'digest', channels: 2, basicNumber: B.number },
          ],
        },
      ],
    },
  ],
});
const server = await ServerProcess.start(config);
t.teardown(() => server.stop());

/** A session description handler for Node, where sip.js has no WebRTC: a fixed audio answer. */
function stubSdh(): SessionDescriptionHandler {
  const sdp = ['v=0', 'o=- 2 2 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', 'm=audio 40000 RTP/AVP 0', 'a=rtpmap:0 PCMU/8000', ''].join('\r\n');
  return {
    close: () => undefined,
    getDescription: async () => ({ body: sdp, contentType: 'application/sdp' }),
    hasDescription: (contentType) => contentType === 'application/sdp',
    setDescription: async () => undefined,
    sendDtmf: () => false,
  };
}

/** What the client does with the next INVITE. */
let onInvite: (invitation: Invitation) => void = (invitation) => void invitation.reject({ statusCode: 480 });

const ua = new UserAgent({
  uri: UserAgent.makeURI(`sip:${bob.sipId}@${DOMAIN}`)!,
  transportOptions: { server: `ws://127.0.0.1:${wsPort}` },
  authorizationUsername: bob.sipId,
  authorizationPassword: bob.password,
  contactName: B.number,
  logLevel: 'error',
  sessionDescriptionHandlerFactory: stubSdh,
  delegate: { onInvite: (invitation) => onInvite(invitation) },
});
t.teardown(() => ua.stop());
await ua.start();
const registerer = new Registerer(ua, { expires: 300 });

function waitState<S>(
  emitter: { addListener(l: (s: S) => void): void; removeListener(l: (s: S) => void): void },
  want: S,
  what: string,
  timeoutMs = 5000,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.removeListener(listener);
      reject(new Error(`${what}: no ${String(want)} within ${timeoutMs} ms`));
    }, timeoutMs);
    const listener = (state: S): void => {
      if (state !== want) return;
      clearTimeout(timer);
      emitter.removeListener(listener);
      resolve();
    };
    emitter.addListener(listener);
  });
}

/** The next INVITE the sip.js client gets, handled by `handle`. */
function nextInvite(handle: (invitation: Invitation) => void): Promise<Invitation> {
  return new Promise((resolve) => {
    onInvite = (invitation) => {
      handle(invitation);
      resolve(invitation);
    };
  });
}

let connectionId: string | undefined;

t.test('sip.js registers over WebSocket: the binding keeps the WS connection', async (t) => {
  const since = server.mark();
  const registered = waitState(registerer.stateChange, RegistererState.Registered, 'register');
  await registerer.register();
  await registered;
  const added = await server.waitForEvent('registration.added', { since, where: (l) => l.sipId === bob.sipId });
  t.equal(added.transport, 'WS', 'registration.added over WS');
  t.match(added.contact, /^<?sip:0312340002@[^;>]+\.invalid;transport=ws/, 'an RFC 7118 contact with a .invalid host');
  const status = await lineStatus(config, bob.sipId);
  t.equal(status.status, 'registered');
  const binding = status.bindings[0];
  t.equal(binding?.source.transport, 'WS');
  t.equal(binding?.source.address, '127.0.0.1');
  t.equal(binding?.source.node, 'node-a');
  t.match(binding?.source.connectionId, /^ws-[0-9a-f]+-\d+$/, 'the connection is remembered');
  connectionId = binding?.source.connectionId;
  t.ok(server.events('auth.failed', since).length === 0, 'digest (MD5) accepted');
});

t.test('a call from a SIPp trunk reaches sip.js over its connection; ACK and BYE follow the flow', async (t) => {
  const since = server.mark();
  let terminated: Promise<void> | undefined;
  let acked = false;
  const byes: Array<{ method: string; callId: string }> = [];
  const invited = nextInvite((invitation) => {
    terminated = waitState<SessionState>(invitation.stateChange, SessionState.Terminated, 'session', 10_000);
    invitation.delegate = {
      onAck: () => {
        acked = true;
      },
      // Recorded so the test can tell a BYE from any other way a session ends.
      onBye: (bye) => {
        byes.push({ method: bye.request.method, callId: bye.request.callId });
        void bye.accept();
      },
    };
    void invitation.accept();
  });
  const caller = await callFrom(server, alice, { called: B.number, from: A.number, expect: 200, holdMs: 300 });
  t.equal(caller.code, 0, 'caller: 407, 200 from sip.js, ACK, BYE 200', describeSipp(caller));
  const invitation = await invited;
  await terminated;
  t.ok(acked, 'the ACK for the 2xx reached sip.js (by the flow token: its Contact host is .invalid)');
  t.same(byes, [{ method: 'BYE', callId: invitation.request.callId }], 'the BYE reached sip.js in its dialog and ended its session (the caller got its 200)');
  t.equal(invitation.state, SessionState.Terminated, 'the session ended');

  const request = invitation.request;
  t.equal(request.ruri?.user, B.number, 'Request-URI: the called number');
  t.match(request.getHeader('via') ?? '', /^SIP\/2\.0\/WS 127\.0\.0\.1:\d+;/, 'our Via says WS');
  const recordRoutes = request.getHeaders('record-route').join(', ');
  t.match(
    recordRoutes,
    new RegExp(`<sip:${connectionId}\\.[\\w-]+@127\\.0\\.0\\.1:${wsPort};transport=ws;lr;rrhops=[\\w-]+;rrsig=[\\w-]+>`),
    'WS-side Record-Route names the registered connection and its node (signed)',
  );
  t.match(recordRoutes, new RegExp(`<sip:127\\.0\\.0\\.1:${config.port};lr;rrhops=[\\w-]+;rrsig=[\\w-]+>`), 'and a UDP-side one (RFC 5658)');
  t.match(
    headerValues(
      receivedMessages(caller).find((m) => m.startsWith('SIP/2.0 200') && m.includes('INVITE')),
      'Contact',
    )[0] ?? '',
    /\.invalid/,
    "the caller sees the client's .invalid Contact",
  );
  const offer = server.events('call.offer', since).find((l) => l.sipId === bob.sipId);
  t.ok(offer, 'call.offer to bob logged');
});

t.test('sip.js rejects with 486: the caller gets 486', async (t) => {
  const invited = nextInvite((invitation) => void invitation.reject({ statusCode: 486 }));
  const caller = await callFrom(server, alice, { called: B.number, from: A.number, expect: 486 });
  t.equal(caller.code, 0, 'caller got 486', describeSipp(caller));
  t.ok(receivedInvite(caller) === undefined, 'the caller itself received no INVITE');
  t.equal((await invited).request.ruri?.user, B.number);
});

t.test('sip.js calls a SIPp trunk: digest over WS (407 answered), ACK and BYE through us to the trunk', async (t) => {
  await registerTrunk(server, alice);
  const since = server.mark();
  const callee = await answer(server, 'call-callee.xml', alice);
  const inviter = new Inviter(ua, UserAgent.makeURI(`sip:${A.number}@${DOMAIN}`)!);
  const established = waitState<SessionState>(inviter.stateChange, SessionState.Established, 'outgoing call');
  await inviter.invite();
  await established;
  const terminated = waitState<SessionState>(inviter.stateChange, SessionState.Terminated, 'outgoing call');
  await inviter.bye();
  await terminated;
  const answered = await callee.done;
  t.equal(answered.code, 0, 'callee: INVITE, ACK and BYE arrived', describeSipp(answered));
  const invite = receivedInvite(answered);
  t.match(requestUri(invite), new RegExp(`^sip:${A.number}@127\\.0\\.0\\.1:${alice.port}`), "offered to the trunk's registered contact");
  t.match(
    headerValues(invite, 'Record-Route').join(', '),
    /<sip:ws-[0-9a-f]+-\d+\.[\w-]+@127\.0\.0\.1:\d+;transport=ws;lr;rrhops=[\w-]+;rrsig=[\w-]+>/,
    "the WS-side Record-Route carries the caller's flow",
  );
  t.ok(
    receivedMessages(answered).some((m) => m.startsWith('BYE ')),
    "sip.js's BYE went on to the trunk, not back to sip.js",
  );
  const offer = server.events('call.offer', since).find((l) => l.sipId === alice.sipId);
  t.ok(offer, 'call.offer to alice logged');
  t.same(server.events('auth.failed', since), [], 'sip.js answered the 407 (INVITEs from digest lines are challenged)');
});

t.test('unregister over WebSocket removes the binding', async (t) => {
  const since = server.mark();
  const unregistered = waitState(registerer.stateChange, RegistererState.Unregistered, 'unregister');
  await registerer.unregister();
  await unregistered;
  const removed = await server.waitForEvent('registration.removed', { since, where: (l) => l.sipId === bob.sipId });
  t.equal(removed.transport, 'WS');
  t.equal((await lineStatus(config, bob.sipId)).status, 'not registered');
});

t.test('a WS binding whose connection is gone cannot be reached', async (t) => {
  const registered = waitState(registerer.stateChange, RegistererState.Registered, 'register again');
  await registerer.register();
  await registered;
  let invited = false;
  onInvite = () => {
    invited = true;
  };
  // Drop the connection without unregistering: the binding stays, its connection does not.
  await ua.transport.disconnect();
  const caller = await callFrom(server, alice, { called: B.number, from: A.number, expect: 480 });
  t.equal(caller.code, 0, 'caller got 480: nowhere to send the INVITE', describeSipp(caller));
  t.notOk(invited, 'sip.js got nothing');
  t.equal((await lineStatus(config, bob.sipId)).status, 'registered', 'the binding itself is still there');
});
