import { readFileSync, writeFileSync } from 'node:fs';
import t from 'tap';
import { parse, stringify } from 'yaml';
import { answer, callFrom, DOMAIN, headerValues, receivedInvite, registerTrunk, requestUri, trunk } from '../helpers/call-harness.js';
import { freePort } from '../helpers/free-port.js';
import { startTestRedis } from '../helpers/redis-server.js';
import { provision, ServerProcess, writeServerConfig } from '../helpers/server-process.js';
import { describeSipp } from '../helpers/sipp.js';

/**
 * End to end through the management API of the real server process: log in
 * over HTTP, create a number user, and as that user switch the number's
 * forwarding on (unconditional, to another trunk's number) and off again.
 * Each change redirects the very next SIPp call, on the running node, with
 * no restart and no provisioning run.
 */
const CALLER = '0312350001';
const FIRST = '0312350002';
const SECOND = '0312350003';
const OPERATOR_PASSWORD = 'Operator1234';

const caller = await trunk('e2e-caller', 'caller-pw-1234');
const first = await trunk('e2e-first', 'first-pw-12345');
const second = await trunk('e2e-second', 'second-pw-1234');

const redis = await startTestRedis();
t.teardown(() => redis.stop());
const config = await writeServerConfig({ redisUrl: redis.url, nodeId: 'node-a', keyPrefix: 'e2e:', domain: DOMAIN, algorithms: ['MD5', 'SHA-256'] });
// The API on its own loopback port, with the first operator's credentials.
const apiPort = await freePort();
const yaml = parse(readFileSync(config.file, 'utf8')) as Record<string, unknown>;
yaml.api = { address: '127.0.0.1', port: apiPort, operator: { name: 'operator', password: OPERATOR_PASSWORD } };
writeFileSync(config.file, stringify(yaml));

const line = (l: typeof caller, basicNumber: string) => ({ sipId: l.sipId, password: l.password, auth: 'digest', channels: 4, basicNumber });
await provision(config, {
  voiceGroups: [
    { id: 'VGE', name: 'E2E', sites: [{ id: '3000001', name: 'E2E site', lines: [line(caller, CALLER), line(first, FIRST), line(second, SECOND)] }] },
  ],
});
const node = await ServerProcess.start(config);
t.teardown(() => node.stop());
await node.waitForEvent('api.listening', { timeoutMs: 10_000 });
await registerTrunk(node, first);
await registerTrunk(node, second);

const base = `http://127.0.0.1:${apiPort}`;
async function http(method: string, path: string, token?: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(base + path, {
    method,
    headers: { ...headers, ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: res.status, etag: res.headers.get('etag'), body: await res.json() };
}
async function login(name: string, password: string): Promise<string> {
  const res = await http('POST', '/auth/login', undefined, { name, password });
  if (res.status !== 200) throw new Error(`login ${name}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.token as string;
}
/** PATCH the number's features with the ETag of a GET just before. */
async function patchFeatures(token: string, number: string, features: unknown) {
  const read = await http('GET', `/numbers/${number}`, token);
  if (read.status !== 200 || !read.etag) throw new Error(`GET /numbers/${number}: ${read.status}`);
  return http('PATCH', `/numbers/${number}/features`, token, features, { 'if-match': read.etag });
}

let userToken = '';

t.test('log in over HTTP; the operator creates a number user for the first number', async (t) => {
  const operator = await login('operator', OPERATOR_PASSWORD);
  const created = await http('POST', '/accounts', operator, { name: 'first-user', password: 'Firstuser1', role: 'number-user', number: FIRST });
  t.equal(created.status, 201, JSON.stringify(created.body));
  userToken = await login('first-user', 'Firstuser1');
  t.equal((await http('GET', '/me', userToken)).body.number, FIRST);
});

t.test('forwarding switched on through the API: the next call is answered by the second trunk, with Diversion', async (t) => {
  const changed = await patchFeatures(userToken, FIRST, { forwarding: { enabled: true, unconditional: true, destinations: [SECOND], active: 1 } });
  t.equal(changed.status, 200, JSON.stringify(changed.body));
  t.match(changed.body.features.forwarding, { enabled: true, unconditional: true, active: 1 });

  const callee = await answer(node, 'call-callee.xml', second);
  const call = await callFrom(node, caller, { called: FIRST, from: CALLER, expect: 200 });
  const answered = await callee.done;
  t.equal(call.code, 0, 'the caller is answered', describeSipp(call));
  t.equal(answered.code, 0, 'by the second trunk', describeSipp(answered));
  const invite = receivedInvite(answered);
  t.match(requestUri(invite), new RegExp(`^sip:${SECOND}@`), 'Request-URI: the destination number');
  t.same(headerValues(invite, 'Diversion'), [`<sip:${FIRST}@${DOMAIN};user=phone>;reason=unconditional;counter=1`]);
});

t.test('switched off through the API: the next call reaches the first trunk', async (t) => {
  const changed = await patchFeatures(userToken, FIRST, { forwarding: { enabled: false } });
  t.equal(changed.status, 200, JSON.stringify(changed.body));
  t.equal(changed.body.features.forwarding.enabled, false);

  const callee = await answer(node, 'call-callee.xml', first);
  const call = await callFrom(node, caller, { called: FIRST, from: CALLER, expect: 200 });
  const answered = await callee.done;
  t.equal(call.code, 0, 'the caller is answered', describeSipp(call));
  t.equal(answered.code, 0, 'by the first trunk itself', describeSipp(answered));
  const invite = receivedInvite(answered);
  t.match(requestUri(invite), new RegExp(`^sip:${FIRST}@`));
  t.same(headerValues(invite, 'Diversion'), [], 'not forwarded');
});

t.test('the same process served it all, and recorded the changes', async (t) => {
  t.ok(node.running, 'the node is still running');
  t.equal(node.events('server.listening').length, 1, 'it never restarted');
  const history = await http('GET', `/history?number=${FIRST}`, userToken);
  t.equal(history.status, 200);
  t.equal(history.body.length, 2, 'two changes in the settings history');
  t.ok(
    history.body.every((e: { account: string }) => e.account === 'first-user'),
    'made by the number user',
  );
  t.notMatch(node.output, /Operator1234|Firstuser1/, 'no password in the logs');
});
