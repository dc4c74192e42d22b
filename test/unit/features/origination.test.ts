import t from 'tap';
import { callingNumber, originate, type OriginateInput } from '../../../src/features/origination.js';
import type { HuntGroup } from '../../../src/features/settings.js';
import { features } from './call.js';

const line = { basicNumber: '0312345678', dialInNumbers: ['0312345679', '0312345680'] };
const input = (patch: Partial<OriginateInput>): OriginateInput => ({
  dialledUserPart: '0612345678',
  line,
  features: features('0312345678'),
  ...patch,
});

t.test('a plain call presents the basic number', async (t) => {
  t.same(originate(input({})), {
    ok: true,
    dialled: { kind: 'national', number: '0612345678' },
    presentedNumber: '0312345678',
    withhold: false,
  });
});

t.test('only numbers of the own line may be presented', async (t) => {
  t.equal(callingNumber(line, '0312345679'), '0312345679');
  t.equal(callingNumber(line, '0399999999'), '0312345678');
  t.equal(callingNumber(line), '0312345678');
  const dialIn = originate(input({ fromNumber: '0312345680', features: features('0312345680') }));
  t.equal(dialIn.ok && dialIn.presentedNumber, '0312345680');
  const foreign = originate(input({ fromNumber: '0399999999' }));
  t.equal(foreign.ok && foreign.presentedNumber, '0312345678', 'someone else’s number is replaced by the basic number');
});

t.test('184 withholds and 186 presents for one call; the default is per number', async (t) => {
  const w = originate(input({ dialledUserPart: '184-06-1234-5678' }));
  t.match(w, { ok: true, withhold: true, dialled: { kind: 'national', number: '0612345678' } });
  const hidden = features('0312345678', { presentation: 'withhold' });
  t.match(originate(input({ features: hidden })), { ok: true, withhold: true }, 'default withhold');
  t.match(originate(input({ features: hidden, dialledUserPart: '1860612345678' })), { ok: true, withhold: false }, '186 presents');
  t.match(originate(input({ dialledUserPart: '1860612345678' })), { ok: true, withhold: false });
});

t.test('hunt-group members present the pilot or their own number', async (t) => {
  const g: HuntGroup = { id: 'hg', siteId: '1234567', pilot: '0312340000', members: ['0312345678'], mode: 'sequential', presentation: 'pilot' };
  t.match(originate(input({ huntGroup: g })), { ok: true, presentedNumber: '0312340000' });
  t.match(originate(input({ huntGroup: { ...g, presentation: 'own' } })), { ok: true, presentedNumber: '0312345678' });
  t.match(
    originate(input({ huntGroup: g, fromNumber: '0312345679', features: features('0312345679') })),
    { ok: true, presentedNumber: '0312345679' },
    'a dial-in number outside the group keeps its own',
  );
});

t.test('specific-number presentation', async (t) => {
  const on = features('0312345678', { specificPresentation: { number: '0120123456', enabled: true } });
  t.match(originate(input({ features: on })), { ok: true, presentedNumber: '0120123456' });
  const off = features('0312345678', { specificPresentation: { number: '0120123456', enabled: false } });
  t.match(originate(input({ features: off })), { ok: true, presentedNumber: '0312345678' });
});

t.test('outgoing restriction refuses all but emergency calls', async (t) => {
  const restricted = features('0312345678', { outgoingRestriction: true });
  t.same(originate(input({ features: restricted })), {
    ok: false,
    status: 403,
    reason: 'Outgoing calls are restricted on this line',
    announcement: 'outgoingRestriction',
  });
  t.same(originate(input({ features: restricted, dialledUserPart: '01012125550100' })).ok, false);
  for (const e of ['110', '118', '119']) {
    t.match(originate(input({ features: restricted, dialledUserPart: e })), { ok: true, dialled: { kind: 'emergency', number: e } }, e);
  }
  t.match(
    originate(input({ fromNumber: '0312345679', features: features('0312345679'), basicFeatures: restricted })),
    { ok: false, status: 403 },
    'the basic number’s restriction covers its dial-in numbers',
  );
});

t.test('emergency calls with 184 still go through', async (t) => {
  t.match(originate(input({ dialledUserPart: '184110' })), { ok: true, withhold: true, dialled: { kind: 'emergency', number: '110' } });
});

t.test('incomplete → 484, invalid → 404', async (t) => {
  t.same(originate(input({ dialledUserPart: '031234' })), { ok: false, status: 484, reason: 'Address Incomplete' });
  t.same(originate(input({ dialledUserPart: 'alice' })), { ok: false, status: 404, reason: 'Not Found' });
  t.same(originate(input({ dialledUserPart: '184' })), { ok: false, status: 404, reason: 'Not Found' }, 'a bare 184');
});

t.test('international dialling is classified (the bar is a pipeline stage)', async (t) => {
  t.match(originate(input({ dialledUserPart: '+1-212-555-0100', features: features('0312345678', { internationalBar: true }) })), {
    ok: true,
    dialled: { kind: 'international', number: '01012125550100' },
  });
});

t.test('emergency calls only from geographic numbers (0 + area code)', async (t) => {
  for (const e of ['110', '118', '119']) {
    t.match(originate(input({ dialledUserPart: e })), { ok: true, dialled: { kind: 'emergency', number: e } }, `${e} from 03`);
  }
  const ip = { basicNumber: '05012345678', dialInNumbers: ['0612345678'] };
  t.same(
    originate(input({ line: ip, dialledUserPart: '110', features: features('05012345678') })),
    { ok: false, status: 403, reason: 'Emergency calls need a geographic number (0 + area code)' },
    '050 IP phone refused',
  );
  t.match(
    originate(input({ line: ip, fromNumber: '0612345678', dialledUserPart: '119', features: features('0612345678') })),
    { ok: true, presentedNumber: '0612345678' },
    'the same line calling from its geographic dial-in number is allowed: the calling number decides',
  );
  for (const n of ['09012345678', '0120123456', '0570123456']) {
    t.match(originate(input({ line: { basicNumber: n, dialInNumbers: [] }, dialledUserPart: '118', features: features(n) })), { ok: false, status: 403 }, n);
  }
  const restricted = features('0312345678', { outgoingRestriction: true });
  t.match(originate(input({ dialledUserPart: '110', features: restricted })), { ok: true }, 'no restriction refuses an emergency call');
});
