// The play URL of an announcement (docs/product.md §4.7): every byte outside
// RFC 3261 paramchar is percent-encoded as two hex digits, so nothing can end
// the parameter, control characters included.
import t from 'tap';
import { escapeUriParam } from '../../../src/routing/announcements.js';

t.test('bytes below 0x10 are written with two hex digits', async (t) => {
  t.equal(escapeUriParam('a\tb'), 'a%09b');
  t.equal(escapeUriParam('\r\n'), '%0D%0A');
  t.equal(escapeUriParam('\u0000'), '%00');
});

t.test('non-ASCII is encoded byte by byte as UTF-8', async (t) => {
  t.equal(escapeUriParam('é'), '%C3%A9');
  t.equal(escapeUriParam('http://a.example/案内.wav'), 'http://a.example/%E6%A1%88%E5%86%85.wav');
});
