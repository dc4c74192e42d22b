import t from 'tap';
import { allowed, type Actor } from '../../../src/api/accounts/roles.js';
import { ACTIONS, capabilities } from '../../../src/api/resources/capabilities.js';

/** What the portal is told each role may do: derived from allowed(), per role. */
const ROLES: Record<string, Actor> = {
  operator: { name: 'op', role: 'operator' },
  vg: { name: 'vg', role: 'voice-group-admin', voiceGroupId: 'VG1' },
  site: { name: 'site', role: 'site-admin', siteId: '1000001' },
  user: { name: 'user', role: 'number-user', number: '0311110001' },
};

t.test('number user: its four features, no groups, no accounts', async (t) => {
  const c = capabilities(ROLES.user!);
  t.same(c.actions, ['read', 'forwarding', 'nuisance', 'anonymous-rejection', 'presentation']);
  t.same(c.featureFields.sort(), ['anonymousRejection', 'blockAnnouncementUri', 'blockedCallers', 'forwarding', 'presentation']);
  t.same(c.accountRoles, []);
  t.equal(c.operator, false);
});

t.test('site admin: everything in its site but the voice group; accounts of its rank and below', async (t) => {
  const c = capabilities(ROLES.site!);
  t.notOk(c.actions.includes('voice-group'));
  t.ok(c.actions.includes('hunt-group') && c.actions.includes('bulk-forwarding') && c.actions.includes('international-bar'));
  t.same(c.accountRoles, ['site-admin', 'number-user']);
});

t.test('voice-group admin and operator', async (t) => {
  t.ok(capabilities(ROLES.vg!).actions.includes('voice-group'));
  t.same(capabilities(ROLES.vg!).accountRoles, ['voice-group-admin', 'site-admin', 'number-user']);
  const op = capabilities(ROLES.operator!);
  t.same(op.actions, ACTIONS, 'everything');
  t.equal(op.operator, true);
});

t.test("never more than allowed() grants in the actor's own scope", async (t) => {
  for (const actor of Object.values(ROLES)) {
    const own = { voiceGroupId: actor.voiceGroupId, siteId: actor.siteId, number: actor.number };
    for (const a of ACTIONS) t.equal(capabilities(actor).actions.includes(a), allowed(actor, a, own), `${actor.role} ${a}`);
  }
});
