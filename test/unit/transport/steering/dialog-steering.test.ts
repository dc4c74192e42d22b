import t from 'tap';
import { dialogSteeringProgram, MAX_SCAN, NO_CHOICE, steeredIndex, steeringTable } from '../../../../src/core/transport/steering/dialog-steering.js';

/**
 * The automaton that picks a worker's socket for a UDP datagram, run in
 * JavaScript (steeredIndex). The kernel runs the same table;
 * test/integration/udp-steering.test.ts checks that it picks the same sockets.
 */
const table = steeringTable();
const WORKERS = 4;
const pick = (text: string, workers = WORKERS): number => steeredIndex(Buffer.from(text, 'latin1'), workers, table);
const message = (startLine: string, headers: string[], body = ''): string => [startLine, ...headers, `Content-Length: ${body.length}`, '', body].join('\r\n');
const invite = (callId: string, extra: string[] = []): string =>
  message('INVITE sip:0312345678@example.test SIP/2.0', [
    'Via: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1',
    'From: <sip:a@x>;tag=1',
    'To: <sip:b@x>',
    ...extra,
    `Call-ID: ${callId}`,
    'CSeq: 1 INVITE',
  ]);
const register = (to: string, callId: string): string =>
  message('REGISTER sip:example.test SIP/2.0', [
    'Via: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK2',
    `To: ${to}`,
    'From: <sip:1000@x>;tag=9',
    `Call-ID: ${callId}`,
    'CSeq: 7 REGISTER',
  ]);
/** Several Call-IDs, so that a test does not pass because two values happen to share a socket. */
const callIds = Array.from({ length: 40 }, (_, i) => `c${i}-${(i * 7919).toString(36)}@pbx.example`);

t.test('every message of a call goes to one socket: requests, answers from either end, CANCEL, ACK, BYE', async (t) => {
  for (const id of callIds) {
    const at = pick(invite(id));
    t.not(at, NO_CHOICE);
    t.equal(pick(message('SIP/2.0 180 Ringing', ['Via: SIP/2.0/UDP 10.9.9.9;branch=z9hG4bKx', `Call-ID: ${id}`, 'CSeq: 1 INVITE'])), at);
    t.equal(pick(message('CANCEL sip:b@x SIP/2.0', [`Call-ID: ${id}`, 'CSeq: 1 CANCEL'])), at);
    t.equal(pick(message('BYE sip:b@x SIP/2.0', ['Route: <sip:127.0.0.1;lr>', `Call-ID: ${id}`])), at);
  }
});

t.test('different calls spread over the sockets', async (t) => {
  const counts = Array<number>(WORKERS).fill(0);
  for (let i = 0; i < 4000; i++) counts[pick(invite(`${i}-${(i * 2654435761) >>> 0}@host`))]!++;
  for (const [i, n] of counts.entries()) t.ok(n > 850 && n < 1150, `socket ${i}: ${n} of 4000 calls`);
  t.same(
    [1, 2, 3].map((w) => pick(invite(callIds[0]!), w) < w),
    [true, true, true],
    'the index is always below the number of workers',
  );
});

t.test('the header name is matched in long or compact form, in any case, with blanks before the colon', async (t) => {
  for (const id of callIds.slice(0, 10)) {
    const at = pick(invite(id));
    for (const header of [`i: ${id}`, `I:${id}`, `CALL-ID: ${id}`, `call-id:    ${id}`, `Call-Id \t: ${id}`, `Call-ID: ${id}  `, `Call-ID: \t${id}\t`]) {
      t.equal(pick(message('INVITE sip:b@x SIP/2.0', [header])), at, header);
    }
  }
});

t.test('the Call-ID is the value, whole: another value or a longer one goes its own way', async (t) => {
  const at = callIds.map((id) => pick(invite(id)));
  t.ok(new Set(at).size > 1, 'forty Call-IDs use more than one socket');
  // Changing any byte of the value changes the hash: a case-sensitive comparison, as RFC 3261 §20.8 says.
  const moved = callIds.filter((id) => pick(invite(id.toUpperCase())) !== pick(invite(id)));
  t.ok(moved.length > 20, `upper-cased Call-IDs are other values (${moved.length} of 40 moved)`);
});

t.test('headers that only look like it do not count', async (t) => {
  for (const id of callIds.slice(0, 10)) {
    const at = pick(invite(id));
    const decoys = [
      `Call-Info: <http://x/${id}x>`,
      `Call-IDs: nope-${id}`,
      `X-Call-ID: ${id}-other`,
      `Call-ID-X: z${id}`,
      `i-x: y${id}`,
      `In-Reply-To: q${id}`,
    ];
    t.equal(pick(invite(id, decoys)), at, 'the real Call-ID after decoys decides');
  }
  t.equal(pick(message('INVITE sip:b@x SIP/2.0', ['Call-Info: <http://x/>'])), NO_CHOICE, 'Call-Info alone: no choice');
  // A request line is not a header, even when it starts with "i" or "call-id".
  t.equal(pick('INVITE sip:a@b SIP/2.0\r\n\r\n'), NO_CHOICE);
  t.equal(pick('call-id: x\r\n\r\n'), NO_CHOICE, 'the first line is never a header');
});

t.test('no Call-ID in the headers, or none in reach: the kernel is left to choose', async (t) => {
  t.equal(pick(message('OPTIONS sip:x SIP/2.0', ['Via: SIP/2.0/UDP 1.2.3.4;branch=z9hG4bK3'])), NO_CHOICE, 'none at all');
  t.equal(pick(message('MESSAGE sip:x SIP/2.0', ['Content-Type: text/plain'], 'Call-ID: in-the-body\r\n')), NO_CHOICE, 'the body is not read');
  t.equal(pick(message('INVITE sip:x SIP/2.0', ['Subject: x', 'Call-ID:', ' folded@host'])), NO_CHOICE, 'a value folded onto the next line');
  const padding = `X-Pad: ${'p'.repeat(MAX_SCAN)}`;
  t.equal(pick(message('INVITE sip:x SIP/2.0', [padding, 'Call-ID: far@host'])), NO_CHOICE, `a Call-ID past the first ${MAX_SCAN} bytes`);
  t.equal(pick(''), NO_CHOICE, 'an empty datagram');
  t.equal(pick('\r\n\r\n'), NO_CHOICE, 'a keep-alive');
  t.not(pick('INVITE sip:x SIP/2.0\r\nCall-ID: cut-short@host'), NO_CHOICE, 'a datagram ending inside the value: the value so far');
  t.equal(pick('INVITE sip:x SIP/2.0\r\nCall-ID: cut-short@host'), pick(invite('cut-short@host')));
});

t.test('a REGISTER goes by its To, the line: its refreshes meet one worker whatever their Call-ID', async (t) => {
  const lines = Array.from({ length: 40 }, (_, i) => `<sip:10${i}@example.test>`);
  for (const to of lines) {
    const at = pick(register(to, 'first@ua'));
    t.not(at, NO_CHOICE);
    t.equal(pick(register(to, 'another-boot@ua')), at, `${to}: another Call-ID, same socket`);
    t.equal(pick(register(to.replace('<', '< '), 'x')), at, 'blanks in the value are left out');
    t.equal(pick(message('REGISTER sip:example.test SIP/2.0', [`t: ${to}`, 'Call-ID: y'])), at, 'compact t');
    t.equal(pick(message('REGISTER sip:example.test SIP/2.0', [`TO: ${to};tag=abc`, 'Call-ID: y'])), at, "a parameter after ';' is left out");
  }
  t.ok(new Set(lines.map((to) => pick(register(to, 'same-call-id')))).size > 1, 'lines with one Call-ID still spread by To');
  // Only a REGISTER request: its answers (which we never receive as a registrar) and other methods go by Call-ID.
  const id = callIds[3]!;
  t.equal(pick(message('SIP/2.0 200 OK', ['To: <sip:1@x>', `Call-ID: ${id}`, 'CSeq: 1 REGISTER'])), pick(invite(id)));
  t.equal(pick(message('register sip:x SIP/2.0', ['To: <sip:1@x>', `Call-ID: ${id}`])), pick(invite(id)), 'the method is case-sensitive');
  t.equal(pick(message('REGISTERS sip:x SIP/2.0', ['To: <sip:1@x>', `Call-ID: ${id}`])), pick(invite(id)));
  t.equal(pick(message('REGISTER sip:x SIP/2.0', ['Timestamp: 1', 'Tos: 2', `Call-ID: ${id}`])), NO_CHOICE, 'a REGISTER without To: no choice');
});

t.test('the program is made for a number of workers', async (t) => {
  const two = dialogSteeringProgram(2);
  const three = dialogSteeringProgram(3);
  t.equal(two.length % 8, 0, 'whole instructions');
  t.not(two.toString('hex'), three.toString('hex'), 'the modulo differs');
  for (const bad of [0, -1, 1.5, 1025, Number.NaN]) t.throws(() => dialogSteeringProgram(bad), /workers must be an integer/, String(bad));
  t.equal(table.length, 32 * 256, 'one row per state, one column per byte');
});
