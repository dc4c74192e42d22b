import t from 'tap';
import { loadConfig } from '../../src/config/load.js';
import { configTextIssues, loadConfigText } from '../helpers/config-file.js';

/** monitoring, webhooks and hep: off by default, and every bad value named by its field. */
const load = loadConfigText;
const issuesOf = configTextIssues;

t.test('the defaults (default.yaml and built-in alike) switch all three off', async (t) => {
  const c = loadConfig({ env: {} });
  t.match(c.monitoring, { enabled: false, interval: 30, timeout: 5, downAfter: 3, upAfter: 2, peers: true, ipTrunks: true, routes: true });
  t.equal(c.webhooks.url, undefined, 'no webhook');
  t.match(c.webhooks, { timeout: 5, queueSize: 1000, maxAttempts: 8, retryBase: 1, retryMax: 300 });
  t.equal(c.hep.address, undefined, 'no capture');
  t.match(c.hep, { port: 9060, captureId: 2001 });
  const empty = load(t, '{}\n');
  t.same(empty.monitoring, c.monitoring, 'an empty file gets the same');
});

t.test('settings are read', async (t) => {
  const c = load(
    t,
    'monitoring: { enabled: true, interval: 0.5, timeout: 0.2 }\nwebhooks: { url: "https://ops.example.net/hook", secret: "0123456789abcdef" }\nhep: { address: "::1", captureId: 7, password: pw }\n',
  );
  t.match(c.monitoring, { enabled: true, interval: 0.5, timeout: 0.2 });
  t.equal(c.webhooks.url, 'https://ops.example.net/hook');
  t.match(c.hep, { address: '::1', captureId: 7, password: 'pw' });
});

t.test('bad values name their field', async (t) => {
  t.same(issuesOf(t, 'monitoring: { interval: 5, timeout: 5 }\n'), ['monitoring.timeout: must be shorter than interval (5)']);
  t.same(issuesOf(t, 'monitoring: { downAfter: 0 }\n'), ['monitoring.downAfter: must be between 1 and 100']);
  t.same(issuesOf(t, 'webhooks: { url: "ftp://x.example/" }\n'), ['webhooks.url: must be an http:// or https:// URL']);
  t.same(issuesOf(t, 'webhooks: { url: "http://x.example/", secret: short }\n'), ['webhooks.secret: must be at least 16 characters']);
  t.same(issuesOf(t, 'webhooks: { retryBase: 10, retryMax: 5 }\n'), ['webhooks.retryBase: must not exceed retryMax (5)']);
  t.same(issuesOf(t, 'hep: { address: homer.example.net }\n'), ['hep.address: must be an IPv4 or IPv6 address']);
  t.same(issuesOf(t, 'hep: { port: 70000 }\n'), ['hep.port: must be between 1 and 65535']);
  t.same(issuesOf(t, 'hep: { adress: 192.0.2.1 }\n'), ['hep.adress: unknown field']);
});
