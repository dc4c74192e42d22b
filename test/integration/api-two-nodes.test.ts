import t from 'tap';
import { RESOURCE_MODULES } from '../../src/api/resources/index.js';
import { createApi } from '../../src/api/server.js';
import { createLogger } from '../../src/log.js';
import { createRedis, waitForRedis } from '../../src/store/redis.js';
import { FIX, startApiHarness } from '../helpers/api-harness.js';

/**
 * Two API nodes on one Redis: a token from one works on the other, and two
 * changes made at the same moment from the same ETag, one on each node, never
 * both succeed — the second is refused with 412 (docs/product.md §6: no silent overwrite).
 */
const a = await startApiHarness();
const log = createLogger('silent');
const writeRedis = createRedis(a.testRedis.url, 'api:', log);
await waitForRedis(writeRedis);
const b = createApi({ redis: a.redis, writeRedis, config: a.config, log, secret: Buffer.alloc(32, 7), now: () => a.clock.now }, RESOURCE_MODULES);
await b.ready();
t.teardown(async () => {
  await b.close();
  writeRedis.disconnect();
});

const token = await a.login('operator');
const onB = async (method: string, url: string, body?: unknown, headers: Record<string, string> = {}) => {
  const res = await b.inject({
    method: method as 'GET',
    url,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(body ? { payload: JSON.stringify(body) } : {}),
  });
  return { status: res.statusCode, headers: res.headers };
};

t.test('a token issued by one node is accepted by the other', async (t) => {
  t.equal((await onB('GET', '/me')).status, 200);
});

t.test('simultaneous changes from the same ETag on two nodes: exactly one wins', async (t) => {
  for (let round = 0; round < 10; round++) {
    const read = await a.req(token, 'GET', `/numbers/${FIX.n1}`);
    const etag = String(read.headers.etag);
    const [fromA, fromB] = await Promise.all([
      a.req(token, 'PATCH', `/numbers/${FIX.n1}/features`, { anonymousRejection: round % 2 === 0 }, { 'if-match': etag }),
      onB('PATCH', `/numbers/${FIX.n1}/features`, { presentation: round % 2 === 0 ? 'withhold' : 'present' }, { 'if-match': etag }),
    ]);
    t.same([fromA.status, fromB.status].sort(), [200, 412], `round ${round}: one 200, one 412`);
  }
});
