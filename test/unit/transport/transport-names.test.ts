import t from 'tap';
import { defaultPort, isSecure, transportNamed, uriTransport } from '../../../src/core/transport/transport.js';

t.test('Via and URI transport names: TLS and WSS are ours now, anything else is not', async (t) => {
  t.equal(transportNamed('tls'), 'TLS');
  t.equal(transportNamed('WSS'), 'WSS');
  t.equal(transportNamed('tcp'), 'TCP');
  t.equal(transportNamed('sctp'), undefined);
  t.equal(transportNamed(undefined), undefined);
});

t.test('the transport a URI asks for: sips never goes in the clear (RFC 3261 §26.2, RFC 7118 §5.2)', async (t) => {
  t.equal(uriTransport('sip', null), 'UDP');
  t.equal(uriTransport('sip', 'tcp'), 'TCP');
  t.equal(uriTransport('sip', 'tls'), 'TLS', 'the deprecated transport=tls is understood');
  t.equal(uriTransport('sips', undefined), 'TLS');
  t.equal(uriTransport('SIPS', 'tcp'), 'TLS', 'sips with transport=tcp is TLS over that TCP');
  t.equal(uriTransport('sips', 'udp'), 'TLS', 'sips with transport=udp is not downgraded');
  t.equal(uriTransport('sips', 'ws'), 'WSS', 'sips + transport=ws is WSS');
  t.equal(uriTransport('sip', 'ws'), 'WS');
});

t.test('secure transports and default ports', async (t) => {
  t.same(
    (['UDP', 'TCP', 'TLS', 'WS', 'WSS'] as const).map((n) => [isSecure(n), defaultPort(n)]),
    [
      [false, 5060],
      [false, 5060],
      [true, 5061],
      [false, 5060],
      [true, 5060],
    ],
  );
});
