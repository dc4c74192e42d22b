// Robustness: random mutations of valid messages must only ever produce a
// message or a SipParseError (never another exception type, never a hang).
import t from 'tap';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  SipParseError,
  parseContactList,
  parseCredentials,
  parseMessage,
  parseNameAddr,
  parseVia,
  serializeMessage,
} from '../../../src/core/messages/index.js';

function fixtureDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [
    path.resolve(here, '../../fixtures/rfc4475'),
    path.resolve(here, '../../../../test/fixtures/rfc4475'),
    path.resolve(process.cwd(), 'test/fixtures/rfc4475'),
  ];
  const found = candidates.find((d) => fs.existsSync(path.join(d, 'wsinv.dat')));
  if (found === undefined) throw new Error('RFC 4475 fixtures not found');
  return found;
}

// mulberry32: small seeded PRNG so failures are reproducible.
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

const INTERESTING = [
  '\r\n',
  '\n',
  '\r',
  ' ',
  '\t',
  ':',
  ';',
  ',',
  '"',
  '\\',
  '<',
  '>',
  '@',
  '=',
  '%',
  '[',
  ']',
  '/',
  '\0',
  '\xff',
  'SIP/2.0',
  '\r\n\r\n',
  '\r\n ',
  '9999999999',
];

t.test('20,000 seeded mutations', async (t) => {
  const dir = fixtureDir();
  const seeds = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.dat'))
    .map((f) => fs.readFileSync(path.join(dir, f)));
  const rnd = prng(4475);
  const pick = <T>(a: T[]): T => a[Math.floor(rnd() * a.length)] as T;
  let parsed = 0;
  let rejected = 0;
  const other: string[] = [];
  for (let n = 0; n < 20_000; n++) {
    let b = Buffer.from(pick(seeds));
    const edits = 1 + Math.floor(rnd() * 4);
    for (let e = 0; e < edits; e++) {
      const at = Math.floor(rnd() * (b.length + 1));
      const op = rnd();
      if (op < 0.3 && b.length > 0) {
        b[Math.min(at, b.length - 1)] = Math.floor(rnd() * 256); // flip a byte
      } else if (op < 0.55) {
        b = Buffer.concat([b.subarray(0, at), Buffer.from(pick(INTERESTING), 'latin1'), b.subarray(at)]); // insert
      } else if (op < 0.8) {
        b = Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + Math.floor(rnd() * 20)))]); // delete a run
      } else if (op < 0.9) {
        b = b.subarray(0, at); // truncate
      } else {
        const from = Math.floor(rnd() * b.length);
        b = Buffer.concat([b.subarray(0, at), b.subarray(from, from + Math.floor(rnd() * 40)), b.subarray(at)]); // duplicate a run
      }
    }
    try {
      const m = parseMessage(b);
      parsed++;
      // Reading the usual fields of an accepted message must not throw either.
      for (const v of m.headers.getAll('via')) parseVia(v);
      parseNameAddr(m.headers.get('from') ?? '');
      parseContactList(m.headers.getAll('contact'));
      parseCredentials(m.headers.get('authorization') ?? '');
      m.headers.entries();
      serializeMessage(m);
    } catch (e) {
      if (e instanceof SipParseError) rejected++;
      else if (other.length < 5) other.push(`${String(e)} for ${JSON.stringify(b.toString('latin1').slice(0, 200))}`);
    }
  }
  t.same(other, [], 'only SipParseError is thrown');
  t.ok(parsed > 1000, `some mutants still parse (${parsed})`);
  t.ok(rejected > 1000, `many mutants are rejected (${rejected})`);
});
