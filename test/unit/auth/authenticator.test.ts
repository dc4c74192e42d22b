import t from 'tap';
import { DigestAuthenticator, type DigestUser } from '../../../src/auth/authenticator.js';
import { NonceIssuer } from '../../../src/auth/nonce.js';
import { parseMessage, type SipRequest } from '../../../src/core/messages/index.js';
import { buildDigestCredentials, hash, parseChallenge, type CredentialInput } from '../../helpers/sip-digest.js';

/**
 * Every outcome of digest authentication (RFC 3261 §22, RFC 7616, RFC 8760),
 * one request each, without a server: challenge, 400, 403, stale, replay, success.
 */

const REALM = 'softswitch.test';
const SECRET = Buffer.from('0123456789abcdef0123456789abcdef');
const LIFETIME = 300_000;
const URI = 'sip:0312345678@softswitch.test';

interface World {
  auth: DigestAuthenticator<DigestUser>;
  nonces: NonceIssuer;
  clock: { now: number };
  advances: Array<{ nonce: string; nc: number; ttlMs: number }>;
  replay: { refuse: boolean };
}

function world(algorithms: Array<'MD5' | 'SHA-256'> = ['SHA-256', 'MD5']): World {
  const clock = { now: 1_000_000 };
  const nonces = new NonceIssuer(SECRET, REALM, LIFETIME, () => clock.now);
  const users: Record<string, DigestUser> = {
    alice: { ha1Md5: hash('MD5', `alice:${REALM}:alice-pw-123`), ha1Sha256: hash('SHA-256', `alice:${REALM}:alice-pw-123`) },
    md5only: { ha1Md5: hash('MD5', `md5only:${REALM}:md5-pw-123`) },
  };
  const advances: World['advances'] = [];
  const replay = { refuse: false };
  const auth = new DigestAuthenticator<DigestUser>(
    REALM,
    algorithms,
    nonces,
    { findDigestUser: async (u) => users[u] ?? null },
    {
      advance: async ({ nonce, nc, ttlMs }) => {
        advances.push({ nonce, nc, ttlMs });
        return !replay.refuse;
      },
    },
  );
  return { auth, nonces, clock, advances, replay };
}

function request(headers: string[], method = 'REGISTER'): SipRequest {
  const text = [
    `${method} ${URI} SIP/2.0`,
    'Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-1',
    'Max-Forwards: 70',
    `From: <sip:0312345678@${REALM}>;tag=a`,
    `To: <sip:0312345678@${REALM}>`,
    'Call-ID: auth-test',
    `CSeq: 2 ${method}`,
    ...headers,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
  return parseMessage(Buffer.from(text, 'latin1')) as SipRequest;
}

function credentials(nonce: string, over: Partial<CredentialInput> = {}): string {
  return buildDigestCredentials({
    username: 'alice',
    password: 'alice-pw-123',
    realm: REALM,
    nonce,
    algorithm: 'SHA-256',
    method: 'REGISTER',
    uri: URI,
    nc: 1,
    cnonce: 'c0ffee',
    ...over,
  }).header;
}

t.test('challenges: one per algorithm, preferred first, stale when asked, in the right header', async (t) => {
  const { auth, nonces } = world();
  const www = auth.challengeHeaders('www');
  t.same(
    www.map(([name]) => name),
    ['WWW-Authenticate', 'WWW-Authenticate'],
  );
  const [sha, md5] = www.map(([, value]) => parseChallenge(value));
  t.match(sha, { scheme: 'Digest', params: { realm: REALM, algorithm: 'SHA-256', qop: 'auth' } });
  t.match(md5, { scheme: 'Digest', params: { realm: REALM, algorithm: 'MD5', qop: 'auth' } });
  t.equal(sha!.params.nonce, md5!.params.nonce, 'one nonce for both');
  t.equal(nonces.check(sha!.params.nonce!), 'valid', 'a nonce of ours');
  t.notOk('stale' in sha!.params, 'not stale unless asked');
  const proxy = auth.challengeHeaders('proxy', true);
  t.equal(proxy[0]![0], 'Proxy-Authenticate');
  t.equal(parseChallenge(proxy[0]![1]).params.stale, 'true');
});

t.test('success: the user, the algorithm, and the nonce-count recorded', async (t) => {
  const { auth, nonces, advances } = world();
  const nonce = nonces.issue();
  const outcome = await auth.authenticate(request([`Authorization: ${credentials(nonce, { nc: 26 })}`]), 'www');
  t.match(outcome, { kind: 'authenticated', username: 'alice', algorithm: 'SHA-256', user: { ha1Sha256: /^[0-9a-f]{64}$/ } });
  t.same(advances, [{ nonce, nc: 26, ttlMs: LIFETIME + 5_000 }], 'nc read as hex, kept for the nonce lifetime');
  const md5 = await auth.authenticate(request([`Authorization: ${credentials(nonce, { algorithm: 'MD5', nc: 27 })}`]), 'www');
  t.match(md5, { kind: 'authenticated', algorithm: 'MD5' }, 'MD5 with the MD5 HA1');
  const upper = credentials(nonce, { nc: 28 }).replace(/response="([0-9a-f]+)"/, (_, r: string) => `response="${r.toUpperCase()}"`);
  t.match(await auth.authenticate(request([`Authorization: ${upper}`]), 'www'), { kind: 'authenticated' }, 'the response in upper-case hex');
});

t.test('no credentials for us: a plain challenge', async (t) => {
  const { auth, nonces } = world();
  const nonce = nonces.issue();
  t.same(await auth.authenticate(request([]), 'www'), { kind: 'challenge', stale: false });
  t.same(await auth.authenticate(request([`Proxy-Authorization: ${credentials(nonce)}`]), 'www'), { kind: 'challenge', stale: false }, 'the other header');
  const otherRealm = credentials(nonce).replace(`realm="${REALM}"`, 'realm="elsewhere.test"');
  t.same(await auth.authenticate(request([`Authorization: ${otherRealm}`]), 'www'), { kind: 'challenge', stale: false }, 'another realm');
  t.same(await auth.authenticate(request(['Authorization: Basic YWxpY2U6cHc=']), 'www'), { kind: 'challenge', stale: false }, 'another scheme');
  const lower = credentials(nonce).replace(/^Digest/, 'digest');
  t.match(await auth.authenticate(request([`Authorization: ${lower}`]), 'www'), { kind: 'authenticated' }, 'the scheme is case-insensitive');
  const ours = await auth.authenticate(request([`Authorization: ${otherRealm}`, `Authorization: ${credentials(nonce, { nc: 2 })}`]), 'www');
  t.match(ours, { kind: 'authenticated' }, 'ours found after credentials for another hop');
});

t.test('unusable credentials: 400 with the reason', async (t) => {
  const { auth, nonces } = world();
  const nonce = nonces.issue();
  const without = (param: string) =>
    credentials(nonce)
      .replace(new RegExp(`, ${param}="?[^",]*"?`), '')
      .replace(new RegExp(`^Digest ${param}="[^"]*", `), 'Digest ');
  for (const param of ['username', 'nonce', 'uri', 'response']) {
    t.same(
      await auth.authenticate(request([`Authorization: ${without(param)}`]), 'www'),
      { kind: 'bad-request', why: 'digest credentials lack username, nonce, uri or response' },
      `no ${param}`,
    );
  }
  const qopWhy = { kind: 'bad-request', why: 'digest credentials must use qop=auth with nc and cnonce' };
  t.same(await auth.authenticate(request([`Authorization: ${credentials(nonce).replace('qop=auth', 'qop=auth-int')}`]), 'www'), qopWhy, 'qop=auth-int');
  t.same(await auth.authenticate(request([`Authorization: ${without('qop')}`]), 'www'), qopWhy, 'no qop');
  t.same(await auth.authenticate(request([`Authorization: ${without('nc')}`]), 'www'), qopWhy, 'no nc');
  t.same(await auth.authenticate(request([`Authorization: ${without('cnonce')}`]), 'www'), qopWhy, 'no cnonce');
  t.same(await auth.authenticate(request([`Authorization: ${credentials(nonce).replace('nc=00000001', 'nc=0000001')}`]), 'www'), qopWhy, 'nc of 7 digits');
  t.same(await auth.authenticate(request([`Authorization: ${credentials(nonce).replace('nc=00000001', 'nc=000000001')}`]), 'www'), qopWhy, 'nc of 9 digits');
  t.same(await auth.authenticate(request([`Authorization: ${credentials(nonce).replace('nc=00000001', 'nc=0000000g')}`]), 'www'), qopWhy, 'nc not hex');
});

t.test('an algorithm we did not offer: a challenge naming the failure', async (t) => {
  const { auth, nonces } = world(['SHA-256']);
  const nonce = nonces.issue();
  const md5 = await auth.authenticate(request([`Authorization: ${credentials(nonce, { algorithm: 'MD5' })}`]), 'www');
  t.same(md5, { kind: 'challenge', stale: false, username: 'alice', failure: 'algorithm not offered' });
  const unknown = credentials(nonce).replace('algorithm=SHA-256', 'algorithm=SHA-512');
  t.same(await auth.authenticate(request([`Authorization: ${unknown}`]), 'www'), {
    kind: 'challenge',
    stale: false,
    username: 'alice',
    failure: 'algorithm not offered',
  });
});

t.test('wrong password and unknown user look the same (403); a forged nonce is challenged', async (t) => {
  const { auth, nonces } = world();
  const nonce = nonces.issue();
  t.same(await auth.authenticate(request([`Authorization: ${credentials(nonce, { password: 'wrong-pw-1' })}`]), 'www'), {
    kind: 'forbidden',
    username: 'alice',
    failure: 'wrong password',
  });
  t.same(await auth.authenticate(request([`Authorization: ${credentials(nonce, { username: 'nobody' })}`]), 'www'), {
    kind: 'forbidden',
    username: 'nobody',
    failure: 'unknown SIP-ID',
  });
  const sha = await auth.authenticate(request([`Authorization: ${credentials(nonce, { username: 'md5only', password: 'md5-pw-123' })}`]), 'www');
  t.same(sha, { kind: 'forbidden', username: 'md5only', failure: 'wrong password' }, 'SHA-256 needs its own HA1: MD5 is not used for it');
  const forged = new NonceIssuer(Buffer.from('another secret, another server!!'), REALM, LIFETIME).issue();
  t.same(await auth.authenticate(request([`Authorization: ${credentials(forged)}`]), 'www'), {
    kind: 'challenge',
    stale: false,
    username: 'alice',
    failure: 'invalid nonce',
  });
});

t.test('an old nonce: stale with the right password, 403 with a wrong one; a replayed nc: challenged', async (t) => {
  const w = world();
  const nonce = w.nonces.issue();
  w.clock.now += LIFETIME + 1;
  t.same(await w.auth.authenticate(request([`Authorization: ${credentials(nonce)}`]), 'www'), { kind: 'challenge', stale: true, username: 'alice' });
  t.same(w.advances, [], 'a stale nonce records no count');
  t.match(await w.auth.authenticate(request([`Authorization: ${credentials(nonce, { password: 'wrong-pw-1' })}`]), 'www'), { kind: 'forbidden' });
  const fresh = w.nonces.issue();
  w.replay.refuse = true;
  t.same(await w.auth.authenticate(request([`Authorization: ${credentials(fresh)}`]), 'www'), {
    kind: 'challenge',
    stale: false,
    username: 'alice',
    failure: 'nonce-count replay',
  });
});

t.test('the edges of the checks: nc anchored both ends, responses of another length, unknown users under MD5', async (t) => {
  const { auth, nonces } = world();
  const nonce = nonces.issue();
  const qopWhy = { kind: 'bad-request', why: 'digest credentials must use qop=auth with nc and cnonce' };
  t.same(
    await auth.authenticate(request([`Authorization: ${credentials(nonce).replace('nc=00000001', 'nc=g00000001')}`]), 'www'),
    qopWhy,
    'junk before 8 hex digits',
  );
  const short = credentials(nonce).replace(/response="[0-9a-f]+"/, 'response="abc"');
  t.same(
    await auth.authenticate(request([`Authorization: ${short}`]), 'www'),
    { kind: 'forbidden', username: 'alice', failure: 'wrong password' },
    'a short response',
  );
  t.same(await auth.authenticate(request([`Authorization: ${credentials(nonce, { username: 'nobody', algorithm: 'MD5' })}`]), 'www'), {
    kind: 'forbidden',
    username: 'nobody',
    failure: 'unknown SIP-ID',
  });
});

t.test('challenge text: realm, nonce and qop quoted, algorithm and stale bare (RFC 7616 §3.3)', async (t) => {
  const { auth } = world(['MD5']);
  const [[, value]] = auth.challengeHeaders('www', true) as [[string, string]];
  t.match(value, /^Digest realm="softswitch\.test", nonce="[\w-]{43}", algorithm=MD5, qop="auth", stale=true$/);
});

t.test('a malformed Authorization header is skipped, not trusted', async (t) => {
  const { auth, nonces } = world();
  const nonce = nonces.issue();
  t.same(await auth.authenticate(request(['Authorization: Digest realm="softswitch.test", ,, =']), 'www'), { kind: 'challenge', stale: false });
  t.match(await auth.authenticate(request(['Authorization: =', `Authorization: ${credentials(nonce)}`]), 'www'), { kind: 'authenticated' });
});
