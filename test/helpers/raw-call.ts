import { DigestUa, randomToken, type RawMessage, type RawSipClient } from './raw-sip-client.js';
import { buildDigestCredentials, parseChallenge } from './sip-digest.js';

/** A line played by a raw client on one transport: registers with digest, calls and answers. */
export interface RawLine {
  client: RawSipClient;
  sipId: string;
  password: string;
  number: string;
}

const SDP = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\n';

/** REGISTER with digest (answering the challenge), Contact on the client's own transport; returns the final answer. */
export function registerLine(line: RawLine, domain: string, expires = 600): Promise<RawMessage> {
  const ua = new DigestUa(line.client, { user: line.sipId, password: line.password, domain });
  return ua.register({ contacts: [`<${line.client.contactUri(line.number)}>`], expires });
}

/** What each end saw of one call. */
export interface RawCallTrace {
  /** The INVITE as the callee received it. */
  invite: RawMessage;
  /** The 200 as the caller received it. */
  answer: RawMessage;
  /** The ACK and BYE as the callee received them (in-dialog, along our Record-Route). */
  ack: RawMessage;
  bye: RawMessage;
  /** The callee's 200 to the BYE as the caller received it. */
  byeAnswer: RawMessage;
}

/**
 * One whole call between two raw lines through the softswitch: INVITE
 * (answered to the 407 like a phone), 200 from the callee, then ACK and BYE
 * from the caller along the route set the 200 brought (RFC 3261 §12.1.2:
 * its Record-Route reversed, the callee's Contact as remote target).
 */
export async function rawCall(caller: RawLine, callee: RawLine, domain: string, timeoutMs = 8000): Promise<RawCallTrace> {
  const c = caller.client;
  const { callId, uri, fromTag, answered } = await authorizedInvite(caller, callee.number, domain, timeoutMs);
  const seen = callee.client.received.length;
  const failed = answered.then((a): never => {
    throw new Error(`expected 200, got ${a.startLine}`);
  });
  const invite = await Promise.race([callee.client.waitFor((m) => m.method === 'INVITE', { since: seen, timeoutMs }), failed]);
  const toTag = randomToken(4);
  callee.client.sendRaw(
    callee.client.buildResponse(invite, 200, 'OK', {
      toTag,
      headers: [
        ['Contact', `<${callee.client.contactUri(callee.number)}>`],
        ['Content-Type', 'application/sdp'],
      ],
      body: SDP,
    }),
  );
  const answer = await answered;
  if (answer.status !== 200) throw new Error(`expected 200, got ${answer.startLine}`);
  const target = answer.contacts[0]?.uri ?? uri;
  const routes = answer.list('record-route').reverse();
  const inDialog = (method: string, cseq: number): string =>
    c.buildRequest(method, target, [
      ...routes.map((r): [string, string] => ['Route', r]),
      ['From', `<sip:${caller.number}@${domain}>;tag=${fromTag}`],
      ['To', answer.header('to') ?? ''],
      ['Call-ID', callId],
      ['CSeq', `${cseq} ${method}`],
    ]);
  const beforeAck = callee.client.received.length;
  c.sendRaw(inDialog('ACK', 2));
  const ack = await callee.client.waitFor((m) => m.method === 'ACK', { since: beforeAck, timeoutMs });
  const beforeBye = callee.client.received.length;
  const byeAnswered = c.request(inDialog('BYE', 3), timeoutMs);
  const bye = await callee.client.waitFor((m) => m.method === 'BYE', { since: beforeBye, timeoutMs });
  callee.client.sendRaw(callee.client.buildResponse(bye, 200, 'OK'));
  const byeAnswer = await byeAnswered;
  return { invite, answer, ack, bye, byeAnswer };
}

/** An INVITE in progress: sent with credentials; `answered` resolves with its final answer. */
export interface InviteInProgress {
  callId: string;
  uri: string;
  fromTag: string;
  /** The authorised INVITE as sent (to ACK a failure with ackFor). */
  request: string;
  answered: Promise<RawMessage>;
}

/** The caller's INVITE to a number, answered to the 407 like a phone; the authorised copy is on its way when this resolves. */
export async function authorizedInvite(caller: RawLine, number: string, domain: string, timeoutMs = 8000): Promise<InviteInProgress> {
  const c = caller.client;
  const callId = `${randomToken()}@raw-call`;
  const uri = `sip:${number}@${domain}`;
  const fromTag = randomToken(4);
  const headers = (cseq: number, extra: Array<[string, string]> = []): Array<[string, string]> => [
    ['From', `<sip:${caller.number}@${domain}>;tag=${fromTag}`],
    ['To', `<${uri}>`],
    ['Call-ID', callId],
    ['CSeq', `${cseq} INVITE`],
    ['Contact', `<${c.contactUri(caller.number)}>`],
    ...extra,
    ['Content-Type', 'application/sdp'],
  ];
  const first = c.buildRequest('INVITE', uri, headers(1), SDP);
  const challenge = await c.request(first, timeoutMs);
  if (challenge.status !== 407) throw new Error(`expected 407, got ${challenge.startLine}`);
  c.sendRaw(ackFor(first, challenge));
  const digest = parseChallenge(challenge.all('proxy-authenticate').find((v) => /algorithm=MD5/i.test(v))!);
  const { header } = buildDigestCredentials({
    username: caller.sipId,
    password: caller.password,
    realm: digest.params.realm!,
    nonce: digest.params.nonce!,
    algorithm: 'MD5',
    method: 'INVITE',
    uri,
    nc: 1,
    cnonce: randomToken(),
  });
  const request = c.buildRequest('INVITE', uri, headers(2, [['Proxy-Authorization', header]]), SDP);
  return { callId, uri, fromTag, request, answered: c.request(request, timeoutMs) };
}

/** RFC 3261 §17.1.1.3: the ACK for a non-2xx has the INVITE's Via and the answer's To. */
export function ackFor(invite: string, answer: RawMessage): string {
  const via = /^Via: .*$/m.exec(invite)![0];
  return [
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
  ].join('\r\n');
}
