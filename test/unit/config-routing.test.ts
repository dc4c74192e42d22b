import t from 'tap';
import { loadConfig } from '../../src/config/load.js';
import { configTextIssues, loadConfigText } from '../helpers/config-file.js';

/** routing: the failover timeout and the DNS settings, defaults and every bad value named by its field. */
const load = loadConfigText;
const issuesOf = configTextIssues;

t.test('defaults: default.yaml and the built-in ones agree; the system resolvers', async (t) => {
  const c = loadConfig({ env: {} });
  t.same(c.routing, { failoverTimeout: 4, dns: { servers: [], timeout: 2, recordCache: 60, maxTtl: 3600, maxEntries: 2000 } });
  t.same(load(t, '{}\n').routing, c.routing, 'an empty file gets the same');
});

t.test('DNS servers: an address with an optional port', async (t) => {
  const c = load(t, 'routing: { failoverTimeout: 0.5, dns: { servers: ["192.0.2.53", "127.0.0.1:5353", "2001:db8::53", "[2001:db8::53]:5353"] } }\n');
  t.same(c.routing.dns.servers, ['192.0.2.53', '127.0.0.1:5353', '2001:db8::53', '[2001:db8::53]:5353']);
  t.equal(c.routing.failoverTimeout, 0.5);
  const bad = 'must be an IP address with an optional port (192.0.2.53, 127.0.0.1:5353, [2001:db8::53]:53)';
  for (const server of ['dns.example', '127.0.0.1:0', '127.0.0.1:70000', '[192.0.2.53]:53', '999.1.1.1']) {
    t.same(issuesOf(t, `routing: { dns: { servers: ["${server}"] } }\n`), [`routing.dns.servers[0]: ${bad}`], server);
  }
  t.same(issuesOf(t, 'routing: { failoverTimeout: 0 }\n'), ['routing.failoverTimeout: must be between 0.2 and 32']);
  t.same(issuesOf(t, 'routing: { dns: { maxEntries: 5 } }\n'), ['routing.dns.maxEntries: must be between 10 and 100000']);
  t.same(issuesOf(t, 'routing: { dns: { resolver: x } }\n').length, 1, 'an unknown key is refused');
});
