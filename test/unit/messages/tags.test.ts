import t from 'tap';
import { Headers, SipRequest } from '../../../src/core/messages/index.js';

/** To/From tags come from the parsed name-addr params, not from a regex on the header text. */
function message(from: string, to: string): SipRequest {
  return new SipRequest(
    'BYE',
    'sip:b@x',
    new Headers([
      ['From', from],
      ['To', to],
    ]),
  );
}

t.test('the tag parameter of From and To', async (t) => {
  const m = message('"A;tag=fake" <sip:a@x;tag=uri-param>;tag=f1', '<sip:b@x> ; TAG = t1');
  t.equal(m.fromTag(), 'f1', 'not the display name, not a URI parameter');
  t.equal(m.toTag(), 't1', 'parameter names are case-insensitive, spaces allowed');
  t.equal(m.hasToTag(), true);
});

t.test('no tag, an empty tag, or a tag only inside the URI: none', async (t) => {
  t.equal(message('<sip:a@x>', '<sip:b@x>').hasToTag(), false);
  t.equal(message('<sip:a@x>', '<sip:b@x>;tag').hasToTag(), false);
  t.equal(message('<sip:a@x;tag=1>', '<sip:b@x;tag=2>').fromTag(), '');
  t.equal(message('<sip:a@x;tag=1>', '<sip:b@x;tag=2>').hasToTag(), false);
});
