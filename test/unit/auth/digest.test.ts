import t from 'tap';
import { createHash } from 'node:crypto';
import { computeDigestResponse, computeHa1, digestHash, parseAlgorithm } from '../../../src/auth/digest.js';

// RFC 7616 §3.9.1: the worked example, for both algorithms.
const example = {
  username: 'Mufasa',
  realm: 'http-auth@example.org',
  password: 'Circle of Life',
  method: 'GET',
  uri: '/dir/index.html',
  nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
  nc: '00000001',
  cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
};

for (const [algorithm, expected] of [
  ['MD5', '8ca523f5e9506fed4657c9700eebdbec'],
  ['SHA-256', '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1'],
] as const) {
  t.test(`RFC 7616 example with ${algorithm}`, async (t) => {
    const ha1 = computeHa1(algorithm, example.username, example.realm, example.password);
    const response = computeDigestResponse({
      algorithm,
      ha1,
      method: example.method,
      uri: example.uri,
      nonce: example.nonce,
      qop: { qop: 'auth', nc: example.nc, cnonce: example.cnonce },
    });
    t.equal(response, expected);
  });
}

t.test('RFC 2617 form without qop', async (t) => {
  const ha1 = computeHa1('MD5', 'Mufasa', 'testrealm@host.com', 'Circle Of Life');
  const response = computeDigestResponse({ algorithm: 'MD5', ha1, method: 'GET', uri: '/dir/index.html', nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093' });
  t.equal(response, '670fd8c2df070c60b045671b8b24ff02');
});

t.test('message text is hashed as the bytes it was read from, one per character, ASCII or not', async (t) => {
  // A URI read from the wire with a raw byte 0xE9 holds the character é.
  for (const text of ['REGISTER:sip:softswitch.test', 'REGISTER:sip:caf\u00e9.test', 'x\u00ff\u0080\u007f']) {
    for (const [algorithm, name] of [
      ['MD5', 'md5'],
      ['SHA-256', 'sha256'],
    ] as const) {
      t.equal(digestHash(algorithm, text), createHash(name).update(Buffer.from(text, 'latin1')).digest('hex'), `${algorithm} ${JSON.stringify(text)}`);
    }
  }
});

t.test('algorithm names', async (t) => {
  t.equal(parseAlgorithm(undefined), 'MD5', 'absent means MD5');
  t.equal(parseAlgorithm('sha-256'), 'SHA-256');
  t.equal(parseAlgorithm('MD5'), 'MD5');
  t.equal(parseAlgorithm('SHA-512-256'), undefined);
});
