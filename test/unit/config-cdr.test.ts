import { join } from 'node:path';
import t from 'tap';
import { ConfigError, loadConfig } from '../../src/config/load.js';

/** The `cdr` settings: safe defaults from config/default.yaml, bad values named by field. */
t.test('defaults: records on, kept 90 days, node lost after 90 s', async (t) => {
  t.same(loadConfig({ env: {} }).cdr, { enabled: true, retentionDays: 90, nodeLostAfter: 90 });
});

t.test('a bad value names its field', async (t) => {
  const dir = t.testdir({ 'c.yaml': 'cdr:\n  enabled: maybe\n  retentionDays: 0\n  nodeLostAfter: 1\n  keep: forever\n' });
  try {
    loadConfig({ file: join(dir, 'c.yaml'), env: {} });
    t.fail('refused');
  } catch (err) {
    t.ok(err instanceof ConfigError);
    t.same((err as ConfigError).issues.sort(), [
      'cdr.enabled: must be true or false',
      'cdr.keep: unknown field',
      'cdr.nodeLostAfter: must be between 3 and 3600',
      'cdr.retentionDays: must be between 1 and 3650',
    ]);
  }
});
