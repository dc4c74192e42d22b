import t from 'tap';
import { DigestUa, RawSipClient } from '../helpers/raw-sip-client.js';
import { startTestRedis } from '../helpers/redis-server.js';
import { provision, ServerProcess, writeServerConfig } from '../helpers/server-process.js';
import { testProvisioning, TEST_LINES } from '../helpers/test-stack.js';

/**
 * Nodes keep a copy of each line (its HA1) so a REGISTER costs no read of it.
 * The attack: someone who learnt a trunk's password keeps using it after the
 * operator changed it. Every node must refuse the old password from the
 * moment the change is applied, on any node, however recently it served the
 * line with the old one.
 */
const DOMAIN = 'test.example';
const redis = await startTestRedis();
t.teardown(() => redis.stop());
const configA = await writeServerConfig({ redisUrl: redis.url, nodeId: 'node-a', domain: DOMAIN });
const configB = await writeServerConfig({ redisUrl: redis.url, nodeId: 'node-b', domain: DOMAIN });
await provision(configA, testProvisioning());
const nodeA = await ServerProcess.start(configA);
t.teardown(() => nodeA.stop());
const nodeB = await ServerProcess.start(configB);
t.teardown(() => nodeB.stop());

const { alice } = TEST_LINES;
const NEW_PASSWORD = 'alice-new-pass-987';

/** The test provisioning with alice's password changed. */
function withNewPassword(): unknown {
  const doc = structuredClone(testProvisioning()) as { voiceGroups: Array<{ sites: Array<{ lines: Array<{ sipId: string; password?: string }> }> }> };
  for (const vg of doc.voiceGroups) for (const site of vg.sites) for (const line of site.lines) if (line.sipId === alice.sipId) line.password = NEW_PASSWORD;
  return doc;
}

t.test('an old password stops working on every node as soon as the change is applied', async (t) => {
  const toB = await RawSipClient.open('udp', { port: configB.port });
  t.teardown(() => toB.close());
  const holder = new DigestUa(toB, { user: alice.sipId, password: alice.password, domain: DOMAIN });
  // Node B serves alice a few times: its copy of the line holds the old HA1.
  for (let i = 0; i < 3; i++)
    t.equal((await holder.register({ contacts: [holder.contact()], expires: 600 })).status, 200, 'old password accepted before the change');

  const applied = await provision(configA, withNewPassword());
  t.equal(applied.code, 0, 'the change is applied (through provisioning, like the API does)');

  const sinceB = nodeB.mark();
  const attacker = new DigestUa(toB, { user: alice.sipId, password: alice.password, domain: DOMAIN });
  const refused = await attacker.register({ contacts: [attacker.contact()], expires: 600 });
  t.equal(refused.status, 403, 'node B refuses the old password at once');
  t.match(await nodeB.waitForEvent('auth.failed', { since: sinceB }), { reason: 'wrong password', sipId: alice.sipId }, 'and logs the refusal');
  t.equal((await holder.send({ contacts: [holder.contact()], expires: 600 })).status, 403, 'so does a client still using a nonce from before');

  const owner = new DigestUa(toB, { user: alice.sipId, password: NEW_PASSWORD, domain: DOMAIN });
  t.equal((await owner.register({ contacts: [owner.contact()], expires: 600 })).status, 200, 'the new password works on node B');
});
