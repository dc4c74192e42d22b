import t from 'tap';
import type { Redis } from 'ioredis';
import { allowed, CONTRACT_ACTIONS, CONTRACT_LABEL, type Actor, type TargetScope } from '../../../src/api/accounts/roles.js';
import { ApiError } from '../../../src/api/errors.js';
import { checkIfMatch, etagOf } from '../../../src/api/etag.js';
import { noView, refusal, Scopes } from '../../../src/api/scope.js';

/** The API's optimistic concurrency (ETag / If-Match) and its role check on a resource's scope, without Redis. */

/** The ApiError `fn` throws, or a failure when it throws nothing. */
function thrown(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error('expected an ApiError');
}

t.test('etagOf: a quoted 22-character hash of the JSON representation', async (t) => {
  t.equal(etagOf({ a: 1 }), '"AVq9f1zFei3ZS3WQ8ErYCE"', 'sha256, base64url, first 22 characters, quoted');
  t.equal(etagOf({ a: 1 }), etagOf({ a: 1 }), 'the same representation, the same ETag');
  t.not(etagOf({ a: 1 }), etagOf({ a: 2 }), 'any change changes it');
  t.equal(etagOf(null), '"dCNOmK_nSY-12vHzasLXis"');
  t.equal(etagOf(undefined), etagOf(null), 'nothing hashes as null');
});

t.test('checkIfMatch: 428 without If-Match, 412 on a stale ETag, passes on the current one or *', async (t) => {
  const current = { forwarding: { enabled: true } };
  const tag = etagOf(current);
  t.match(
    thrown(() => checkIfMatch(undefined, current)),
    { status: 428, code: 'precondition_required' },
    'absent',
  );
  t.match(
    thrown(() => checkIfMatch('', current)),
    { status: 428 },
    'empty',
  );
  t.match(
    thrown(() => checkIfMatch(etagOf({ forwarding: { enabled: false } }), current)),
    { status: 412, code: 'precondition_failed' },
    'stale',
  );
  t.match(
    thrown(() => checkIfMatch('"*"', current)),
    { status: 412 },
    'a quoted * is an ETag, not the wildcard',
  );
  t.doesNotThrow(() => checkIfMatch(tag, current), 'current');
  t.doesNotThrow(() => checkIfMatch('*', current), 'wildcard');
  t.doesNotThrow(() => checkIfMatch(' * ', current), 'wildcard with spaces');
  t.doesNotThrow(() => checkIfMatch(`W/${tag}`, current), 'weak form of the current ETag');
  t.doesNotThrow(() => checkIfMatch(`"old", ${tag}`, current), 'the current one anywhere in a list');
  t.doesNotThrow(() => checkIfMatch(`"old",W/${tag} `, current), 'weak, in a list, with spaces');
  t.match(
    thrown(() => checkIfMatch(`"old", "older"`, current)),
    { status: 412 },
    'a list of stale ones',
  );
  t.match(
    thrown(() => checkIfMatch(`X/${tag}`, current)),
    { status: 412 },
    'only W/ is a weak prefix',
  );
});

const site: TargetScope = { voiceGroupId: 'VG1', siteId: '1000001' };
const number: TargetScope = { ...site, number: '0311110001' };
const siteAdmin: Actor = { name: 'site', role: 'site-admin', siteId: '1000001' };
const otherSiteAdmin: Actor = { name: 'other', role: 'site-admin', siteId: '1000002' };
const numberUser: Actor = { name: 'user', role: 'number-user', number: '0311110001' };

t.test('authorize: 404 for a missing or foreign target, 403 for an action the role may not take', async (t) => {
  // authorize reads nothing from Redis: the scope is looked up by the caller.
  const scopes = new Scopes({} as Redis);
  t.same(await scopes.authorize(siteAdmin, 'forwarding', 'number 0311110001', number), number, 'allowed: the scope back');
  await t.rejects(scopes.authorize(siteAdmin, 'forwarding', 'number 0311110009', null), { status: 404, message: 'number 0311110009 not found' });
  await t.rejects(
    scopes.authorize(otherSiteAdmin, 'forwarding', 'number 0311110001', number),
    { status: 404, message: 'number 0311110001 not found' },
    'another site looks missing, not forbidden',
  );
  await t.rejects(
    scopes.authorize(numberUser, 'international-bar', 'number 0311110001', number),
    { status: 403, message: 'your role or rights may not change international-bar here' },
    'visible, but not the role’s to change',
  );
  await t.rejects(
    scopes.authorize(siteAdmin, 'routing', 'site 1000001', site),
    { status: 403, message: 'contract item (peers and routes): only the operator changes it; order it from your carrier' },
    'a contract item names itself',
  );
});

t.test('refusal and noView messages', async (t) => {
  t.match(refusal('options'), { status: 403, message: /^contract item \(which options a number or site has subscribed\)/ });
  t.match(refusal('nuisance'), { status: 403, message: 'your role or rights may not change nuisance here' });
  t.match(noView('forwarding'), { status: 403, code: 'forbidden', message: 'your rights do not include viewing forwarding' });
});

t.test('every contract item has its own label in the refusal', async (t) => {
  const labels = CONTRACT_ACTIONS.map((action) => CONTRACT_LABEL[action]);
  for (const [i, action] of CONTRACT_ACTIONS.entries()) {
    t.ok(labels[i]!.length > 0, `${action} is named`);
    t.equal(refusal(action).message, `contract item (${labels[i]}): only the operator changes it; order it from your carrier`);
  }
  t.equal(new Set(labels).size, labels.length, 'no two alike');
});

t.test('an account missing its own scope reaches nothing that lacks one too', async (t) => {
  // A voice-group admin without a voice group, a site admin without a site, a number user without a number:
  // an empty target must not match their missing id.
  t.notOk(allowed({ name: 'v', role: 'voice-group-admin' }, 'forwarding', {}), 'voice-group admin');
  t.notOk(allowed({ name: 's', role: 'site-admin' }, 'forwarding', { voiceGroupId: 'VG1' }), 'site admin');
  t.notOk(allowed({ name: 'n', role: 'number-user' }, 'forwarding', { voiceGroupId: 'VG1', siteId: '1000001' }), 'number user');
});
