import t from 'tap';
import { formatHostPort, parseHostPort } from '../../../src/core/locate/host-port.js';

t.test('an IPv4 or [IPv6] literal or a DNS name, with an optional port', async (t) => {
  t.same(parseHostPort('192.0.2.7'), { host: '192.0.2.7', family: 4 });
  t.same(parseHostPort('192.0.2.7:5070'), { host: '192.0.2.7', family: 4, port: 5070 });
  t.same(parseHostPort('[2001:DB8::7]:5080'), { host: '2001:db8::7', family: 6, port: 5080 });
  t.same(parseHostPort('[::1]'), { host: '::1', family: 6 });
  t.same(parseHostPort('SIP.Carrier.Example'), { host: 'sip.carrier.example', family: 0 }, 'names are lower-cased');
  t.same(parseHostPort('carrier.example.:5061'), { host: 'carrier.example', family: 0, port: 5061 }, 'a trailing dot is dropped');
  t.same(parseHostPort('localhost'), { host: 'localhost', family: 0 });
});

t.test('anything else is refused', async (t) => {
  for (const bad of [
    '',
    ':5060',
    '192.0.2.7:0',
    '192.0.2.7:65536',
    '999.1.1.1',
    '1.2.3',
    '::1',
    '::1:5060',
    '[192.0.2.7]',
    '[nope]:5060',
    'a b',
    'a_b.example',
    '-a.example',
    'a..b',
    'x:y',
    `${'a'.repeat(64)}.example`,
  ]) {
    t.equal(parseHostPort(bad), undefined, JSON.stringify(bad));
  }
});

t.test('formatHostPort brackets an IPv6 host', async (t) => {
  t.equal(formatHostPort('2001:db8::7', 5060), '[2001:db8::7]:5060');
  t.equal(formatHostPort('192.0.2.7', 5060), '192.0.2.7:5060');
});
