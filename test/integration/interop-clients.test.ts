import t, { type Test } from 'tap';
import { DOMAIN, startCallStack } from '../helpers/call-harness.js';
import { Baresip, type BaresipEvent } from '../helpers/baresip.js';
import type { BaresipAccount } from '../helpers/baresip-config.js';
import { ServerProcess } from '../helpers/server-process.js';
import { sipsakOptions, sipsakRegister, type SipsakResult } from '../helpers/sipsak.js';

/**
 * Third-party clients from Debian against the real server with its default
 * configuration (the challenge is MD5 alone, docs/product.md §7): baresip
 * 1.0 (`baresip-core`) as two single-line phones calling each other, and
 * sipsak registering and pinging. The last tests record why MD5 alone is the
 * default: with SHA-256 offered, baresip cannot register at all, and sipsak
 * fails when SHA-256 comes first.
 */
const PHONE_A = { sipId: 'interop-phone-a', password: 'phone-a-pass-417', number: '0312340051' };
const PHONE_B = { sipId: 'interop-phone-b', password: 'phone-b-pass-538', number: '0312340052' };
const PBX = { sipId: 'interop-pbx', password: 'pbx-pass-629', number: '0312340053' };
/** A phone wrongly set up as a PBX line (delivery: number, the default). */
const DESK = { sipId: 'interop-desk', password: 'desk-pass-740', number: '0312340054' };

const stack = await startCallStack(
  {
    voiceGroups: [
      {
        id: 'VGX',
        name: 'Interop',
        sites: [
          {
            id: '1000051',
            name: 'Site',
            lines: [
              // Phones answer only their own URI: calls go to the registered Contact (delivery: contact).
              { sipId: PHONE_A.sipId, password: PHONE_A.password, auth: 'digest', channels: 2, basicNumber: PHONE_A.number, delivery: 'contact' },
              { sipId: PHONE_B.sipId, password: PHONE_B.password, auth: 'digest', channels: 2, basicNumber: PHONE_B.number, delivery: 'contact' },
              { sipId: PBX.sipId, password: PBX.password, auth: 'digest', channels: 2, basicNumber: PBX.number },
              { sipId: DESK.sipId, password: DESK.password, auth: 'digest', channels: 2, basicNumber: DESK.number },
            ],
          },
        ],
      },
    ],
  },
  1,
  { algorithms: 'server-default' },
);
const node = stack.nodes[0]!;

function account(line: { sipId: string; password: string }, server: ServerProcess, transport: 'udp' | 'tcp' = 'udp'): BaresipAccount {
  return { user: line.sipId, password: line.password, domain: DOMAIN, proxy: { port: server.port, transport } };
}

/** A baresip phone, registered (or the test fails), stopped with the test. */
async function registeredPhone(
  t: Test,
  line: { sipId: string; password: string },
  transport: 'udp' | 'tcp' = 'udp',
  more: Partial<BaresipAccount> = {},
): Promise<Baresip> {
  const mark = node.mark();
  const phone = await Baresip.start({ ...account(line, node, transport), ...more }, { sipTrace: true });
  t.teardown(() => phone.stop());
  const registration = await phone.registration();
  t.ok(registration.ok, `baresip registered ${line.sipId} over ${transport.toUpperCase()}`, { registration, output: phone.output.slice(-2000) });
  const added = await node.waitForEvent('registration.added', { since: mark, where: (l) => l.sipId === line.sipId });
  // Over TCP baresip connects from an ephemeral port; its Contact names its listening port.
  t.match(
    added,
    { transport: transport.toUpperCase(), address: '127.0.0.1', contact: new RegExp(`@127\\.0\\.0\\.1:${phone.sipPort}\\b`) },
    'the binding is baresip',
  );
  if (transport === 'udp') t.equal(added.port, phone.sipPort, 'reached where it sent from');
  return phone;
}

/** Both ends see the call established, then closed after `hangUp` hangs up; the server logs call.ended and an answered record. */
async function callAndHangUp(t: Test, caller: Baresip, callee: Baresip, called: string, hangUp: Baresip): Promise<void> {
  const mark = node.mark();
  const callerMark = caller.mark();
  const calleeMark = callee.mark();
  const dialled = await caller.dial(`sip:${called}@${DOMAIN}`);
  t.ok(dialled.ok, 'baresip accepted the dial command', dialled);
  const outgoing = await caller.waitForEvent('CALL_ESTABLISHED', { since: callerMark });
  const callId = outgoing.id!;
  const incoming = await callee.waitForEvent('CALL_ESTABLISHED', { since: calleeMark });
  t.equal(incoming.id, callId, 'the callee answered the same call (Call-ID kept end to end)');
  t.equal(incoming.direction, 'incoming');
  const sent = caller.traced(/^INVITE /).at(-1)!;
  t.match(
    sent.text,
    new RegExp(`\r\nRoute: <sip:127\\.0\\.0\\.1:${node.port}(;transport=tcp)?;lr>\r\n`),
    'the caller pre-loads the softswitch as outbound proxy',
  );
  const received = callee.traced(/^INVITE /);
  // Retransmissions (a slow machine) carry the same branch.
  const branches = new Set(received.map((m) => /\r\nVia: [^\r]*;branch=([^;\r]+)/i.exec(m.text)?.[1]));
  t.equal(branches.size, 1, 'the callee got one INVITE transaction');
  t.notMatch(received[0]!.text, /\r\nRoute:/i, 'the pre-loaded Route was removed (RFC 3261 §16.4)');
  t.match(
    received[0]!.text,
    new RegExp(`^INVITE sip:${callee.account.user}-[^@]*@127\\.0\\.0\\.1:${callee.sipPort}[;> ]`),
    'delivered to its registered Contact',
  );
  t.match(received[0]!.text, new RegExp(`\r\nTo: <?sip:${called}@`), 'the called number in To');

  const hungUp = await hangUp.hangup();
  t.ok(hungUp.ok, 'baresip accepted the hangup command', hungUp);
  const closedHere = (e: BaresipEvent) => e.id === callId;
  const [callerClosed, calleeClosed] = await Promise.all([
    caller.waitForEvent('CALL_CLOSED', { since: callerMark, where: closedHere }),
    callee.waitForEvent('CALL_CLOSED', { since: calleeMark, where: closedHere }),
  ]);
  const other = hangUp === caller ? calleeClosed : callerClosed;
  t.equal(other.param, 'Connection reset by peer', 'the other end got the BYE');
  t.equal((hangUp === caller ? callerClosed : calleeClosed).param, 'Connection reset by user', 'the end that hung up closed its side');

  const ended = await node.waitForEvent('call.ended', { since: mark, where: (l) => l.callId === callId });
  t.match(ended, { msg: 'call ended by BYE' });
  const record = await node.waitForEvent('call.record', { since: mark, where: (l) => l.callId === callId });
  t.match(record, {
    status: 200,
    outcome: 'answered',
    endReason: 'BYE',
    endedBy: hangUp === caller ? 'caller' : 'callee',
    origin: { kind: 'line' },
    delivered: { kind: 'line', number: called },
  });
}

t.test('sipsak: an OPTIONS ping is answered 200', async (t) => {
  const result = await sipsakOptions(node.port, DOMAIN);
  t.equal(result.code, 0, 'sipsak exits 0: a 2xx reply', describe(result));
  t.match(result.output, /SIP\/2\.0 200 OK[\s\S]*CSeq: 1 OPTIONS/);
});

t.test('sipsak: registers with digest against the default challenge, MD5 alone', async (t) => {
  const mark = node.mark();
  const result = await sipsakRegister(node.port, { sipId: PBX.sipId, password: PBX.password, domain: DOMAIN });
  t.equal(result.code, 0, 'sipsak got its 200 to the authenticated REGISTER', describe(result));
  const challenges = result.output.match(/^WWW-Authenticate:.*$/gm) ?? [];
  t.ok(challenges.length >= 1, 'sipsak was challenged');
  t.ok(
    challenges.every((c) => /algorithm=MD5\b/.test(c)),
    'every challenge offers MD5 alone',
    { challenges },
  );
  const added = await node.waitForEvent('registration.added', { since: mark, where: (l) => l.sipId === PBX.sipId });
  t.match(added, { transport: 'UDP', port: result.port, contact: `sip:${PBX.sipId}@127.0.0.1:${result.port}` });
});

t.test('baresip calls baresip over UDP: registered, answered, hung up by the caller, closed at both ends', async (t) => {
  const a = await registeredPhone(t, PHONE_A);
  const b = await registeredPhone(t, PHONE_B);
  await callAndHangUp(t, a, b, PHONE_B.number, a);
});

t.test('baresip over TCP calls baresip over UDP, the callee hangs up', async (t) => {
  const a = await registeredPhone(t, PHONE_A, 'tcp');
  const b = await registeredPhone(t, PHONE_B);
  await callAndHangUp(t, a, b, PHONE_B.number, b);
});

t.test('baresip over UDP calls baresip over TCP (reached on the connection it registered on), the caller hangs up', async (t) => {
  const a = await registeredPhone(t, PHONE_A);
  const b = await registeredPhone(t, PHONE_B, 'tcp');
  await callAndHangUp(t, a, b, PHONE_B.number, a);
});

t.test('baresip with SIP Outbound (RFC 5626, sipnat=outbound) over TCP registers and is called', async (t) => {
  const a = await registeredPhone(t, PHONE_A);
  const b = await registeredPhone(t, PHONE_B, 'tcp', { sipOutbound: true });
  const register = b.traced(/^REGISTER /).at(-1)!;
  t.match(register.text, /\r\nContact: <[^>]*>;[^\r]*\+sip\.instance="<urn:uuid:[^>]+>";reg-id=1/, 'it registered as an Outbound flow');
  await callAndHangUp(t, a, b, PHONE_B.number, b);
});

t.test('why phones need delivery: contact: baresip answers 404 to the called number as Request-URI', async (t) => {
  const a = await registeredPhone(t, PHONE_A);
  const desk = await registeredPhone(t, DESK);
  const since = a.mark();
  await a.dial(`sip:${DESK.number}@${DOMAIN}`);
  const closed = await a.waitForEvent('CALL_CLOSED', { since });
  t.match(closed.param, /^404 /, 'the caller gets the 404', closed);
  const invite = desk.traced(/^INVITE /)[0];
  t.match(invite?.text, new RegExp(`^INVITE sip:${DESK.number}@`), 'the INVITE named the number, not the phone');
  t.ok(desk.traced(/^SIP\/2\.0 404 /).length >= 1, 'baresip answered 404 itself');
});

t.test('why MD5 alone is the default: what each client does when SHA-256 is offered too', async (t) => {
  const [md5First, shaFirst] = await Promise.all([
    stack.addNode('node-md5-first', { algorithms: ['MD5', 'SHA-256'] }),
    stack.addNode('node-sha-first', { algorithms: ['SHA-256', 'MD5'] }),
  ]);

  for (const [order, server] of [
    ['after MD5', md5First],
    ['first', shaFirst],
  ] as const) {
    t.test(`SHA-256 offered ${order}: baresip 1.0 cannot register`, async (t) => {
      const mark = server.mark();
      const phone = await Baresip.start(account(PHONE_A, server));
      t.teardown(() => phone.stop());
      const registration = await phone.registration();
      t.same(registration, { ok: false, reason: 'Register: Function not implemented' }, 'baresip gives up on the challenge', {
        output: phone.output.slice(-2000),
      });
      t.same(server.events('registration.added', mark), [], 'no binding');
    });
  }

  t.test('SHA-256 offered after MD5: sipsak answers the first challenge, MD5, and registers', async (t) => {
    const mark = md5First.mark();
    const result = await sipsakRegister(md5First.port, { sipId: PBX.sipId, password: PBX.password, domain: DOMAIN });
    t.equal(result.code, 0, 'sipsak registered', describe(result));
    t.ok(
      md5First.events('registration.added', mark).some((l) => l.sipId === PBX.sipId),
      'a binding',
    );
  });

  t.test('SHA-256 offered first: sipsak cannot register', async (t) => {
    const mark = shaFirst.mark();
    const result = await sipsakRegister(shaFirst.port, { sipId: PBX.sipId, password: PBX.password, domain: DOMAIN });
    t.equal(result.code, 2, 'sipsak fails', describe(result));
    t.match(result.output, /unsupported authentication algorithm/);
    t.same(shaFirst.events('registration.added', mark), [], 'no binding');
  });
});

t.test('after a restart, a baresip phone registered over TCP is still called, at its Contact', async (t) => {
  // The last test: it restarts the node the others use.
  const a = await Baresip.start(account(PHONE_A, node));
  t.teardown(() => a.stop());
  const b = await Baresip.start(account(PHONE_B, node, 'tcp'));
  t.teardown(() => b.stop());
  t.ok((await a.registration()).ok && (await b.registration()).ok, 'both registered', { a: a.output.slice(-1500), b: b.output.slice(-1500) });
  await node.stop();
  const again = await ServerProcess.start(node.config);
  t.teardown(() => again.stop());

  const callerMark = a.mark();
  const calleeMark = b.mark();
  await a.dial(`sip:${PHONE_B.number}@${DOMAIN}`);
  const established = await b.waitForEvent('CALL_ESTABLISHED', { since: calleeMark });
  await a.waitForEvent('CALL_ESTABLISHED', { since: callerMark, where: (e) => e.id === established.id });
  const gone = await again.waitForEvent('call.flow_gone', { where: (l) => l.callId === established.id });
  t.match(gone, { sipId: PHONE_B.sipId, transport: 'TCP', tried: 'contact' }, 'its connection was gone: the Contact was tried');
  await a.hangup();
  const closed = await b.waitForEvent('CALL_CLOSED', { since: calleeMark, where: (e) => e.id === established.id });
  t.equal(closed.param, 'Connection reset by peer', 'the BYE reached it');
  await again.waitForEvent('call.ended', { where: (l) => l.callId === established.id });
});

function describe(result: SipsakResult): { command: string; output: string } {
  return { command: result.command, output: result.output.slice(-2000) };
}
