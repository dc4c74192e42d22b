// Where the bytes of a sampled heap profile (bench/lib/alloc-sampling.ts) were allocated.
// Run: node dist/bench/alloc-summary.js FILE.heapprofile [--top N] [--per COUNT]
// --per divides every figure by COUNT (e.g. the calls made while sampling), giving bytes per call.
import { readFileSync } from 'node:fs';
import { summariseAllocations, type AllocationSite } from './lib/alloc-profile.js';
import { intOpt } from './lib/cli.js';

const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith('--'));
const option = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
if (!file) {
  console.error('usage: alloc-summary FILE.heapprofile [--top N] [--per COUNT]');
  process.exit(2);
}
const top = option('top') === undefined ? 30 : intOpt('top', option('top'), 1, 1000);
const per = option('per') === undefined ? 1 : intOpt('per', option('per'), 1, 1e9);
const summary = summariseAllocations(JSON.parse(readFileSync(file, 'utf8')), top);
const unit = per === 1 ? 'MB' : 'kB each';
const amount = (bytes: number): string => (per === 1 ? (bytes / 1e6).toFixed(1) : (bytes / per / 1e3).toFixed(2));
const print = (title: string, sites: AllocationSite[]): void => {
  console.log(`-- ${title}`);
  for (const s of sites) console.log(`${(s.share * 100).toFixed(1).padStart(5)}% ${amount(s.bytes).padStart(8)} ${s.site}`);
};
console.log(`allocated: ${amount(summary.totalBytes)} ${unit}`);
print('self', summary.self);
print('inclusive', summary.inclusive);
