import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { summariseAllocations } from '../../../bench/lib/alloc-profile.js';

const sampler = fileURLToPath(new URL('../../../bench/lib/alloc-sampling.js', import.meta.url));

t.test('summariseAllocations: self and inclusive bytes per site, a recursive site counted once per stack', async (t) => {
  const frame = (functionName: string, lineNumber = 0) => ({ functionName, url: 'file:///x/dist/src/a.js', lineNumber });
  const profile = {
    head: {
      callFrame: frame('(root)'),
      selfSize: 0,
      children: [
        {
          callFrame: frame('outer', 9),
          selfSize: 100,
          children: [
            { callFrame: frame('outer', 9), selfSize: 50, children: [] },
            { callFrame: frame('leaf', 19), selfSize: 850, children: [] },
          ],
        },
      ],
    },
  };
  const s = summariseAllocations(profile);
  t.equal(s.totalBytes, 1000);
  t.same(s.self, [
    { site: 'leaf src/a.js:20', bytes: 850, share: 0.85 },
    { site: 'outer src/a.js:10', bytes: 150, share: 0.15 },
  ]);
  t.same(Object.fromEntries(s.inclusive.map((x) => [x.site, x.bytes])), {
    '(root) src/a.js:1': 1000,
    'outer src/a.js:10': 1000,
    'leaf src/a.js:20': 850,
  });
  t.same(summariseAllocations(profile, 1).self.length, 1, 'only the top sites');
});

t.test('the sampler, preloaded, starts and stops on SIGUSR2 and writes where the process allocated', async (t) => {
  // A process that allocates short-lived arrays in one named function, for a bounded time.
  const work = `
    function churn() { let keep = 0; for (let i = 0; i < 2000; i++) keep += new Array(64).fill(i).length; return keep; }
    const timer = setInterval(churn, 1);
    setTimeout(() => clearInterval(timer), 20000);
    process.stdout.write('ready\\n');
  `;
  const child = spawn(process.execPath, ['--import', sampler, '-e', work], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => void child.kill('SIGKILL'));
  const lines: string[] = [];
  const seen = (pattern: RegExp): Promise<string> =>
    new Promise((resolve) => {
      const check = (): void => {
        const line = lines.find((l) => pattern.test(l));
        if (line) resolve(line);
        else setTimeout(check, 20);
      };
      check();
    });
  child.stdout.on('data', (d: Buffer) => lines.push(...d.toString().split('\n')));
  child.stderr.on('data', (d: Buffer) => lines.push(...d.toString().split('\n')));
  await seen(/^ready$/);
  child.kill('SIGUSR2');
  await seen(/alloc-sampling: started/);
  await new Promise((r) => setTimeout(r, 500));
  child.kill('SIGUSR2');
  const written = await seen(/alloc-sampling: written /);
  const file = written.replace(/^.*written /, '').trim();
  t.teardown(() => rmSync(file, { force: true }));
  const summary = summariseAllocations(JSON.parse(readFileSync(file, 'utf8')));
  const churn = summary.self.find((s) => s.site.startsWith('churn '));
  t.ok(summary.totalBytes > 1_000_000, `sampled ${summary.totalBytes} bytes, short-lived ones included`);
  t.ok(churn && churn.share > 0.5, `the allocating function leads the profile (${churn?.share})`);
});
