import t from 'tap';
import { createHmac, randomBytes } from 'node:crypto';
import { HmacSha256 } from '../../../src/crypto/hmac.js';

const hex = (latin1: string): string => Buffer.from(latin1, 'latin1').toString('hex');

t.test('RFC 4231 test vectors, including a key longer than the block', async (t) => {
  const cases: [Buffer, string, string][] = [
    [Buffer.alloc(20, 0x0b), 'Hi There', 'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7'],
    [Buffer.from('Jefe'), 'what do ya want for nothing?', '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843'],
    [Buffer.alloc(131, 0xaa), 'Test Using Larger Than Block-Size Key - Hash Key First', '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54'],
  ];
  for (const [key, data, mac] of cases) t.equal(hex(new HmacSha256(key).macLatin1(data)), mac, data);
});

t.test('equals createHmac over buffers and UTF-8 strings, short and long, one call after another', async (t) => {
  const key = randomBytes(32);
  const hmac = new HmacSha256(key);
  for (const length of [0, 1, 16, 63, 64, 65, 255, 256, 257, 1000, 5000, 3]) {
    const bytes = randomBytes(length);
    const text = 'é€' + 'x'.repeat(length);
    const expected = createHmac('sha256', key).update(bytes).update(text, 'utf8').digest('hex');
    t.equal(hex(hmac.macLatin1(bytes, text)), expected, `${length} bytes and a string`);
  }
});

t.test('macInto writes the first bytes of the MAC where asked, and nothing else', async (t) => {
  const key = Buffer.from('k'.repeat(40));
  const target = Buffer.alloc(24, 0xff);
  new HmacSha256(key).macInto(target, 4, 16, 'message');
  const expected = createHmac('sha256', key).update('message').digest().subarray(0, 16);
  t.same(target.subarray(4, 20), expected);
  t.same(target.subarray(0, 4), Buffer.alloc(4, 0xff));
  t.same(target.subarray(20), Buffer.alloc(4, 0xff));
});
