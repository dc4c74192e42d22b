import { computeHa1 } from '../../src/auth/digest.js';
import type { Test } from 'tap';
import { ACCOUNTS, type ApiHarness, type Reply } from './api-harness.js';

/**
 * Helpers for the organisation, groups and status API tests: a role matrix
 * over the harness accounts, and a record of every response body so a test
 * can check that no password or HA1 ever left the server.
 */

export const WHO = ['operator', 'vgAdmin', 'vgAdmin2', 'siteAdmin', 'siteAdmin2', 'numberUser', 'numberUser2'] as const;
export type Who = (typeof WHO)[number];

/** Expected statuses in WHO order: op, vg (VG1), vg2 (VG2), site (S1), site2 (S2), user (n1), user2 (n2). */
export const S = (...s: [number, number, number, number, number, number, number]): Record<Who, number> =>
  Object.fromEntries(WHO.map((w, i) => [w, s[i]!])) as Record<Who, number>;

/** Shapes: a target in S1 (VG1), in S3 (VG2), operator only. */
export const IN_S1 = S(200, 200, 404, 200, 404, 404, 404);
export const IN_S3 = S(200, 404, 200, 404, 404, 404, 404);
export const OPERATOR_ONLY = S(200, 403, 403, 403, 403, 403, 403);
/** A contract item in S1 (a line): the operator's; customers who can see it get 403. */
export const CONTRACT_S1 = S(200, 403, 404, 403, 404, 404, 404);

export interface Client {
  h: ApiHarness;
  tokens: Record<Who, string>;
  /** Every response body seen, for the secret scan. */
  seen: string[];
  as(who: Who, method: string, url: string, body?: unknown, headers?: Record<string, string>): Promise<Reply>;
  /** GET as the operator; its ETag as an If-Match header. */
  ifMatch(url: string): Promise<Record<string, string>>;
}

export async function client(h: ApiHarness): Promise<Client> {
  const tokens = {} as Record<Who, string>;
  for (const w of WHO) tokens[w] = await h.login(w);
  const seen: string[] = [];
  const as: Client['as'] = async (who, method, url, body, headers) => {
    const res = await h.req(tokens[who], method, url, body, headers);
    seen.push(res.text, JSON.stringify(res.headers));
    return res;
  };
  return {
    h,
    tokens,
    seen,
    as,
    ifMatch: async (url) => {
      const res = await as('operator', 'GET', url);
      if (res.status !== 200) throw new Error(`GET ${url}: ${res.status} ${res.text}`);
      return { 'if-match': String(res.headers.etag) };
    },
  };
}

/**
 * One request per account; `run` builds it (and may prepare, e.g. read an
 * ETag, before it). Checks every status against `expected`.
 */
export async function matrix(t: Test, c: Client, expected: Record<Who, number>, run: (who: Who) => Promise<Reply>): Promise<void> {
  for (const who of WHO) {
    const res = await run(who);
    t.equal(res.status, expected[who], `${who} (${ACCOUNTS[who].name}) -> ${expected[who]}${res.status !== expected[who] ? `: ${res.text}` : ''}`);
  }
}

/** Every way a line's secret could leak: the password and both HA1 forms. */
export function secretsOf(sipId: string, realm: string, password: string): string[] {
  return [password, computeHa1('MD5', sipId, realm, password), computeHa1('SHA-256', sipId, realm, password)];
}

/** The fixture's line password (api-harness FIXTURE_DOCUMENT). */
export const fixturePassword = (sipId: string) => `${sipId}-pw-123`;
