import t from 'tap';
import { DIGEST_URI_MISMATCH, DigestAuthenticator, sameRequestUri, type DigestUser } from '../../../src/auth/authenticator.js';
import { NonceIssuer } from '../../../src/auth/nonce.js';
import { parseMessage, type SipRequest } from '../../../src/core/messages/index.js';
import { buildDigestCredentials, hash } from '../../helpers/sip-digest.js';

/**
 * The digest `uri` must name the Request-URI (RFC 7616 §3.4.6), compared as
 * SIP URIs are (RFC 3261 §19.1.4): credentials computed for one target are
 * refused on a request to another.
 */
t.test('equivalent forms of the Request-URI are accepted', async (t) => {
  t.ok(sameRequestUri('sip:0312345678@softswitch.test', 'sip:0312345678@softswitch.test'), 'identical');
  t.ok(sameRequestUri('sip:0312345678@SoftSwitch.TEST', 'sip:0312345678@softswitch.test'), 'host case');
  t.ok(sameRequestUri('SIP:alice@softswitch.test', 'sip:alice@softswitch.test'), 'scheme case');
  t.ok(sameRequestUri('sip:%61lice@softswitch.test', 'sip:alice@softswitch.test'), 'escaped user');
  t.ok(sameRequestUri('sip:softswitch.test;transport=udp;lr', 'sip:softswitch.test;lr;transport=UDP'), 'parameter order and value case');
  t.ok(sameRequestUri('sip:127.0.0.1:5060', 'sip:127.0.0.1:5060'), 'SIPp style, when it is the Request-URI');
});

t.test('any other URI is refused', async (t) => {
  t.notOk(sameRequestUri('sip:0312345678@softswitch.test', 'sip:0399999999@softswitch.test'), 'another number');
  t.notOk(sameRequestUri('sip:127.0.0.1:5060', 'sip:0312345678@softswitch.test'), "the server's address is not the Request-URI");
  t.notOk(sameRequestUri('sip:softswitch.test', 'sip:softswitch.test:5060'), 'an explicit port differs from none');
  t.notOk(sameRequestUri('sip:Alice@softswitch.test', 'sip:alice@softswitch.test'), 'the user part is case-sensitive');
  t.notOk(sameRequestUri('sips:alice@softswitch.test', 'sip:alice@softswitch.test'), 'sips is not sip');
  t.notOk(sameRequestUri('sip:alice@softswitch.test;maddr=10.0.0.1', 'sip:alice@softswitch.test'), 'maddr in one only');
  t.notOk(sameRequestUri('not a uri', 'sip:alice@softswitch.test'), 'garbage');
});

const REALM = 'softswitch.test';
const SECRET = Buffer.from('0123456789abcdef0123456789abcdef');

function authenticator(): DigestAuthenticator<DigestUser> {
  const users: Record<string, DigestUser> = { alice: { ha1Md5: hash('MD5', `alice:${REALM}:alice-pw-123`) } };
  return new DigestAuthenticator<DigestUser>(
    REALM,
    ['MD5'],
    new NonceIssuer(SECRET, REALM, 300_000),
    { findDigestUser: async (u) => users[u] ?? null },
    { advance: async () => true },
  );
}

function invite(requestUri: string, digestUri: string, nonce: string): SipRequest {
  const { header } = buildDigestCredentials({
    username: 'alice',
    password: 'alice-pw-123',
    realm: REALM,
    nonce,
    algorithm: 'MD5',
    method: 'INVITE',
    uri: digestUri,
    nc: 1,
    cnonce: 'c0ffee',
  });
  const text = [
    `INVITE ${requestUri} SIP/2.0`,
    'Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-1',
    'Max-Forwards: 70',
    `From: <sip:0312345670@${REALM}>;tag=a`,
    `To: <sip:0312345678@${REALM}>`,
    'Call-ID: uri-test',
    'CSeq: 2 INVITE',
    `Proxy-Authorization: ${header}`,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
  return parseMessage(Buffer.from(text, 'latin1')) as SipRequest;
}

t.test('credentials for another Request-URI are refused with 400, before any password check', async (t) => {
  const auth = authenticator();
  const nonce = new NonceIssuer(SECRET, REALM, 300_000).issue();
  const moved = await auth.authenticate(invite('sip:0399999999@softswitch.test', 'sip:0312345678@softswitch.test', nonce), 'proxy');
  t.same(moved, { kind: 'bad-request', why: DIGEST_URI_MISMATCH });
  const sippStyle = await auth.authenticate(invite('sip:0312345678@softswitch.test', 'sip:127.0.0.1:5060', nonce), 'proxy');
  t.equal(sippStyle.kind, 'bad-request', "the server's own address is not a wildcard");
});

t.test('the right password with an equivalent uri form is accepted', async (t) => {
  const auth = authenticator();
  const nonce = new NonceIssuer(SECRET, REALM, 300_000).issue();
  const same = await auth.authenticate(invite('sip:0312345678@softswitch.test', 'sip:0312345678@softswitch.test', nonce), 'proxy');
  t.equal(same.kind, 'authenticated');
  const equivalent = await auth.authenticate(invite('sip:0312345678@softswitch.test;user=phone', 'sip:0312345678@SOFTSWITCH.test;user=phone', nonce), 'proxy');
  t.equal(equivalent.kind, 'authenticated', 'host case differs: still the Request-URI');
});

t.test('URIs that are not SIP match only exactly; an unparsable Request-URI matches nothing else', async (t) => {
  t.ok(sameRequestUri('urn:service:sos', 'urn:service:sos'), 'identical text');
  t.notOk(sameRequestUri('urn:service:sos', 'urn:service:SOS'));
  t.notOk(sameRequestUri('sip:alice@softswitch.test', 'not a uri'));
});
