import t from 'tap';
import { parseMessage, type SipRequest, type SipResponse } from '../../../src/core/messages/index.js';
import { askForSessionTimer, minSessionExpires, sessionExpires, sessionOfAnswer, supportsTimer } from '../../../src/proxy/session-timer.js';

/** RFC 4028 as a proxy applies it: reading the headers, asking for a timer (§8.1), completing the answer (§8.2). */
const OURS = { seconds: 1800, minSeconds: 90 };

function invite(...extra: string[]): SipRequest {
  const text = [
    'INVITE sip:bob@ss.test SIP/2.0',
    'Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-1',
    'From: <sip:alice@ss.test>;tag=a1',
    'To: <sip:bob@ss.test>',
    'Call-ID: st-1',
    'CSeq: 1 INVITE',
    ...extra,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
  return parseMessage(Buffer.from(text)) as SipRequest;
}

function ok(...extra: string[]): SipResponse {
  const text = [
    'SIP/2.0 200 OK',
    'Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-1',
    'From: <sip:alice@ss.test>;tag=a1',
    'To: <sip:bob@ss.test>;tag=b1',
    'Call-ID: st-1',
    'CSeq: 1 INVITE',
    ...extra,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
  return parseMessage(Buffer.from(text)) as SipResponse;
}

t.test('reading Session-Expires (long and compact form), Min-SE and timer support', async (t) => {
  t.same(sessionExpires(invite('Session-Expires: 600;refresher=uas')), { seconds: 600, refresher: 'uas' });
  t.same(sessionExpires(invite('x: 90')), { seconds: 90 });
  t.equal(sessionExpires(invite('Session-Expires: soon')), undefined);
  t.equal(minSessionExpires(invite('Min-SE: 120')), 120);
  t.equal(minSessionExpires(invite()), 0);
  t.ok(supportsTimer(invite('Supported: 100rel, timer')));
  t.ok(supportsTimer(invite('k: timer')));
  t.notOk(supportsTimer(invite('Supported: 100rel')));
});

t.test('a caller that supports timers and asks for none gets ours, with our Min-SE', async (t) => {
  const request = invite('Supported: timer');
  t.equal(askForSessionTimer(request, OURS), 1800);
  t.equal(request.headers.get('session-expires'), '1800');
  t.equal(request.headers.get('min-se'), '90');
});

t.test('a larger Session-Expires is lowered to ours, keeping the refresher; never below the Min-SE asked', async (t) => {
  const larger = invite('Supported: timer', 'Session-Expires: 7200;refresher=uac');
  t.equal(askForSessionTimer(larger, OURS), 1800);
  t.equal(larger.headers.get('session-expires'), '1800;refresher=uac');
  const floor = invite('Supported: timer', 'Session-Expires: 7200', 'Min-SE: 3600');
  t.equal(askForSessionTimer(floor, OURS), 3600, 'the Min-SE of the request wins over ours');
  t.equal(floor.headers.get('min-se'), '3600', 'and stays');
});

t.test('a smaller one, or a caller without timer support, is left alone', async (t) => {
  const smaller = invite('Supported: timer', 'Session-Expires: 300');
  t.equal(askForSessionTimer(smaller, OURS), 300);
  t.equal(smaller.headers.get('session-expires'), '300');
  t.equal(smaller.headers.get('min-se'), undefined);
  const unsupported = invite();
  t.equal(askForSessionTimer(unsupported, OURS), undefined);
  t.equal(unsupported.headers.get('session-expires'), undefined, 'nothing inserted');
});

t.test('a 2xx with Session-Expires sets the interval; one without, to a caller that supports timers, gets refresher=uac', async (t) => {
  t.equal(sessionOfAnswer(invite('Supported: timer', 'Session-Expires: 300'), ok('Session-Expires: 240;refresher=uas')), 240);
  const bare = ok();
  t.equal(sessionOfAnswer(invite('Supported: timer', 'Session-Expires: 300'), bare), 300);
  t.equal(bare.headers.get('session-expires'), '300;refresher=uac', 'the caller refreshes');
  t.same(bare.headers.getList('require'), ['timer']);
  const none = ok();
  t.equal(sessionOfAnswer(invite('Session-Expires: 300'), none), undefined, 'a caller without timer support: no timer');
  t.equal(none.headers.get('session-expires'), undefined);
  t.equal(sessionOfAnswer(invite('Supported: timer'), ok()), undefined, 'nothing asked: no timer');
});
