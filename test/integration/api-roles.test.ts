import t from 'tap';
import { SecurityStore } from '../../src/store/security-store.js';
import { ACCOUNTS, FIX, startApiHarness, type Reply } from '../helpers/api-harness.js';

/**
 * The role × action matrix of docs/product.md §6 over every registered route, against
 * the real API and a real Redis. One row per (route, target); one column per
 * account: nobody (no token), the operator, an account whose scope holds the
 * target and one whose scope does not, for each role.
 *
 *   vg     voice-group admin of VG1     vg2    voice-group admin of VG2
 *   site   site admin of S1 (VG1)       site2  site admin of S2 (VG1)
 *   user   number user of n1 (S1)       user2  number user of n2 (S1)
 *
 * Fixture: n1, n1d, n2 in S1; n3 in S2 (both VG1); n4 in S3 (VG2).
 * Refusals: 401 without a token, 404 outside what the account may read
 * (a foreign target looks missing), 403 inside it but beyond the role.
 * Writes that are allowed send a valid If-Match, so 200 means it was done.
 * A final check fails when a registered route has no row here.
 */
const COLUMNS = ['anon', 'operator', 'vgAdmin', 'vgAdmin2', 'siteAdmin', 'siteAdmin2', 'numberUser', 'numberUser2'] as const;
type Column = (typeof COLUMNS)[number];
type Expect = Record<Column, number>;

/** Expected statuses in column order: anon, op, vg, vg2, site, site2, user, user2. */
const E = (...s: [number, number, number, number, number, number, number, number]): Expect => Object.fromEntries(COLUMNS.map((c, i) => [c, s[i]!])) as Expect;

// Shapes that recur. "n1" = a target in S1 that user-n1 owns; "S1" = a site-level target in S1.
const READ_N1 = E(401, 200, 200, 404, 200, 404, 200, 404);
const USER_N1 = READ_N1; // forwarding, nuisance, anonymous rejection, presentation
const ADMIN_N1 = E(401, 200, 200, 404, 200, 404, 403, 404); // bar, restriction, specific presentation on/off, hunt members, bulk
/** Contract items (lines, hunt-group creation and pilot, the specific-presentation number): the operator's, 403 to customers in scope. */
const CONTRACT_N1 = E(401, 200, 403, 404, 403, 404, 403, 404);
const CONTRACT_S1 = E(401, 200, 403, 404, 403, 404, 404, 404);
const CONTRACT_S3 = E(401, 200, 404, 403, 404, 404, 404, 404);
const READ_N2 = E(401, 200, 200, 404, 200, 404, 404, 200);
const READ_N3 = E(401, 200, 200, 404, 404, 200, 404, 404);
const READ_N4 = E(401, 200, 404, 200, 404, 404, 404, 404);
const SITE_S1 = E(401, 200, 200, 404, 200, 404, 404, 404);
const SITE_S2 = E(401, 200, 200, 404, 404, 200, 404, 404);
const VG_1 = E(401, 200, 200, 404, 404, 404, 404, 404);
const VG_2 = E(401, 200, 404, 200, 404, 404, 404, 404);
const OPERATOR_ONLY = E(401, 200, 403, 403, 403, 403, 403, 403);
const SITE_S3 = E(401, 200, 404, 200, 404, 404, 404, 404);
const ANY = E(401, 200, 200, 200, 200, 200, 200, 200);
const PUBLIC = E(200, 200, 200, 200, 200, 200, 200, 200);

interface Case {
  /** The route as registered (`METHOD /path/:param`), for the coverage check. */
  route: string;
  /** What the row is about (target and why). */
  what: string;
  /** A function of the column for creations (a fresh id per account). */
  url: string | ((column: Column) => string);
  /** A JSON body, or a function of the column that builds one. */
  body?: object | string | number | boolean | null | ((column: Column) => unknown);
  /** Run as the operator before each request: the state the row needs, the If-Match (and body) a well-behaved client would send. */
  prepare?: () => Promise<{ headers?: Record<string, string>; body?: unknown }>;
  expect: Expect;
}

const h = await startApiHarness();
const tokens: Partial<Record<Column, string>> = {};
for (const c of COLUMNS) if (c !== 'anon') tokens[c] = await h.login(c);

/** The ETag of a GET as the operator, as If-Match; `withBody` also returns the body read (a CSV to send back). */
const etagOf =
  (url: string, withBody = false) =>
  async () => {
    const res = await h.req(tokens.operator, 'GET', url);
    if (res.status !== 200) throw new Error(`prepare GET ${url}: ${res.status} ${res.text}`);
    return { headers: { 'if-match': String(res.headers.etag) }, ...(withBody ? { body: res.text } : {}) };
  };

/** Bulk group in a given state before the request (operator start/stop; a 409 means it already was). */
const bulkState = (id: string, state: 'started' | 'stopped') => async () => {
  const res = await h.req(tokens.operator, 'POST', `/bulk-groups/${id}/${state === 'started' ? 'start' : 'stop'}`);
  if (res.status !== 200 && res.status !== 409) throw new Error(`prepare bulk ${id} ${state}: ${res.status} ${res.text}`);
  return {};
};

/** A stopped bulk group to delete, created again (by the operator) when a column deleted it; its If-Match. */
const bulkToDelete = (id: string, siteId: string, members: string[]) => async () => {
  let res = await h.req(tokens.operator, 'GET', `/bulk-groups/${id}`);
  if (res.status === 404) {
    const created = await h.req(tokens.operator, 'PUT', `/bulk-groups/${id}`, { siteId, name: 'to delete', members });
    if (created.status !== 201) throw new Error(`prepare bulk ${id}: ${created.status} ${created.text}`);
    res = await h.req(tokens.operator, 'GET', `/bulk-groups/${id}`);
  }
  return { headers: { 'if-match': String(res.headers.etag) } };
};

const col = (c: Column) => COLUMNS.indexOf(c);

const patchNumber = (number: string, body: Record<string, unknown>, what: string, expect: Expect): Case => ({
  route: 'PATCH /numbers/:number/features',
  what,
  url: `/numbers/${number}/features`,
  body,
  prepare: etagOf(`/numbers/${number}`),
  expect,
});

/** A PATCH of specificPresentation on n1, with the operator setting `stored` before each try. */
const specific = (stored: unknown, body: unknown, what: string, expect: Expect): Case => ({
  ...patchNumber(FIX.n1, { specificPresentation: body }, what, expect),
  prepare: async () => {
    const set = await h.req(
      tokens.operator,
      'PATCH',
      `/numbers/${FIX.n1}/features`,
      { specificPresentation: stored },
      (await etagOf(`/numbers/${FIX.n1}`)()).headers,
    );
    if (set.status !== 200) throw new Error(`prepare specific presentation: ${set.status} ${set.text}`);
    return etagOf(`/numbers/${FIX.n1}`)();
  },
});

const CASES: Case[] = [
  // --- accounts (foundation) ---
  {
    // A name per column: failures are counted for unknown names too, and a fourth would find it locked (423).
    route: 'POST /auth/login',
    what: 'public; an unknown account',
    url: '/auth/login',
    body: (c: Column) => ({ name: `nobody-${c}`, password: 'Wrong00000' }),
    expect: E(401, 401, 401, 401, 401, 401, 401, 401),
  },
  { route: 'GET /me', what: 'own account', url: '/me', expect: ANY },
  {
    // A wrong current password, so no token of the matrix is revoked (a change revokes them: see test/security/api-takeover).
    route: 'PUT /me/password',
    what: 'own password, with a wrong current one',
    url: '/me/password',
    body: { currentPassword: 'Wrong00000', newPassword: 'Matrix1234' },
    expect: E(401, 403, 403, 403, 403, 403, 403, 403),
  },
  { route: 'GET /accounts', what: 'accounts in scope', url: '/accounts', expect: ANY },
  { route: 'GET /cdrs', what: 'call records of the own scope', url: '/cdrs', expect: ANY },
  { route: 'GET /cdrs', what: 'call records of VG2 by name', url: `/cdrs?voiceGroup=${FIX.vg2}`, expect: VG_2 },
  { route: 'GET /cdrs.csv', what: 'call records of the own scope, as CSV', url: '/cdrs.csv', expect: ANY },
  {
    route: 'POST /accounts',
    what: 'number user of n1 (S1)',
    url: '/accounts',
    body: (c: Column) => ({ name: `matrix-n1-${c}`, password: 'Matrix1234', role: 'number-user', number: FIX.n1 }),
    expect: E(401, 201, 201, 403, 201, 403, 403, 403),
  },
  {
    route: 'POST /accounts',
    what: 'a name that exists (the operator account): never replaced',
    url: '/accounts',
    body: { name: 'operator', password: 'Matrix1234', role: 'number-user', number: FIX.n1 },
    expect: E(401, 409, 409, 403, 409, 403, 403, 403),
  },
  {
    route: 'POST /accounts',
    what: 'site admin of S2',
    url: '/accounts',
    body: (c: Column) => ({ name: `matrix-s2-${c}`, password: 'Matrix1234', role: 'site-admin', siteId: FIX.s2 }),
    expect: E(401, 201, 201, 403, 403, 201, 403, 403),
  },
  {
    route: 'POST /accounts',
    what: 'voice-group admin of VG2',
    url: '/accounts',
    body: (c: Column) => ({ name: `matrix-vg2-${c}`, password: 'Matrix1234', role: 'voice-group-admin', voiceGroupId: FIX.vg2 }),
    expect: E(401, 201, 403, 201, 403, 403, 403, 403),
  },
  {
    route: 'DELETE /accounts/:name',
    what: 'an account that does not exist',
    url: '/accounts/matrix-none',
    expect: E(401, 404, 404, 404, 404, 404, 404, 404),
  },
  {
    route: 'DELETE /accounts/:name',
    what: 'number user of n1, created again before each try',
    url: '/accounts/matrix-del',
    prepare: async () => {
      await h.req(tokens.operator, 'POST', '/accounts', { name: 'matrix-del', password: 'Matrix1234', role: 'number-user', number: FIX.n1 });
      return {};
    },
    expect: E(401, 200, 200, 404, 200, 404, 404, 404),
  },
  {
    route: 'DELETE /accounts/:name',
    what: 'the voice-group admin of VG1, created again before each try: never by a site admin below it',
    url: '/accounts/matrix-vgdel',
    prepare: async () => {
      await h.req(tokens.operator, 'POST', '/accounts', { name: 'matrix-vgdel', password: 'Matrix1234', role: 'voice-group-admin', voiceGroupId: FIX.vg1 });
      return {};
    },
    expect: E(401, 200, 200, 404, 404, 404, 404, 404),
  },
  {
    route: 'PUT /accounts/:name/password',
    what: "reset a number user of n2 (not the matrix's own accounts: a reset revokes tokens)",
    url: '/accounts/matrix-reset/password',
    prepare: async () => {
      await h.req(tokens.operator, 'POST', '/accounts', { name: 'matrix-reset', password: 'Matrix1234', role: 'number-user', number: FIX.n2 });
      return {};
    },
    body: { password: 'Matrix5678' },
    expect: E(401, 200, 200, 404, 200, 404, 404, 404),
  },
  {
    route: 'PUT /accounts/:name/password',
    what: 'reset an operator',
    url: '/accounts/matrix-op/password',
    prepare: async () => {
      await h.req(tokens.operator, 'POST', '/accounts', { name: 'matrix-op', password: 'Matrix1234', role: 'operator' });
      return {};
    },
    body: { password: 'Matrix1234' },
    expect: E(401, 200, 404, 404, 404, 404, 404, 404),
  },
  {
    route: 'PUT /accounts/:name/rights',
    what: 'a number user of n2 made view-only on forwarding',
    url: '/accounts/matrix-rights/rights',
    prepare: async () => {
      await h.req(tokens.operator, 'POST', '/accounts', { name: 'matrix-rights', password: 'Matrix1234', role: 'number-user', number: FIX.n2 });
      return {};
    },
    body: { rights: { forwarding: 'view' } },
    expect: E(401, 200, 200, 404, 200, 404, 404, 404),
  },
  {
    route: 'POST /accounts/:name/unlock',
    what: 'the number user of n2 (S1)',
    url: `/accounts/${ACCOUNTS.numberUser2.name}/unlock`,
    expect: E(401, 200, 200, 404, 200, 404, 404, 404),
  },
  {
    route: 'POST /accounts/:name/unlock',
    what: 'the site admin of S2',
    url: `/accounts/${ACCOUNTS.siteAdmin2.name}/unlock`,
    expect: E(401, 200, 200, 404, 404, 200, 404, 404),
  },
  { route: 'GET /openapi.json', what: 'public', url: '/openapi.json', expect: PUBLIC },

  // --- voice groups, sites, lines ---
  { route: 'GET /voice-groups', what: 'the list (filtered: see below)', url: '/voice-groups', expect: ANY },
  { route: 'GET /voice-groups/:id', what: 'VG1', url: `/voice-groups/${FIX.vg1}`, expect: VG_1 },
  { route: 'GET /voice-groups/:id', what: 'VG2', url: `/voice-groups/${FIX.vg2}`, expect: VG_2 },
  { route: 'GET /voice-groups/:id/sites', what: 'VG1', url: `/voice-groups/${FIX.vg1}/sites`, expect: VG_1 },
  {
    route: 'PUT /voice-groups/:id',
    what: 'rename VG1',
    url: `/voice-groups/${FIX.vg1}`,
    body: { name: 'Alpha Corp' },
    prepare: etagOf(`/voice-groups/${FIX.vg1}`),
    expect: VG_1,
  },
  {
    route: 'PUT /voice-groups/:id',
    what: 'create a voice group: operators only',
    url: (c) => `/voice-groups/NEW-${c}`,
    body: { name: 'New' },
    expect: E(401, 201, 404, 404, 404, 404, 404, 404),
  },
  { route: 'GET /sites/:id', what: 'S1', url: `/sites/${FIX.s1}`, expect: SITE_S1 },
  { route: 'GET /sites/:id', what: 'S3 (VG2)', url: `/sites/${FIX.s3}`, expect: SITE_S3 },
  {
    route: 'PUT /sites/:id',
    what: 'rename S1',
    url: `/sites/${FIX.s1}`,
    body: { voiceGroupId: FIX.vg1, name: 'Alpha HQ' },
    prepare: etagOf(`/sites/${FIX.s1}`),
    expect: SITE_S1,
  },
  {
    route: 'PUT /sites/:id',
    what: 'create a site in VG1',
    url: (c) => `/sites/10001${String(col(c)).padStart(2, '0')}`,
    body: { voiceGroupId: FIX.vg1, name: 'New site' },
    expect: E(401, 201, 201, 404, 404, 404, 404, 404),
  },
  { route: 'GET /lines/:sipId', what: 'a1 (S1)', url: `/lines/${FIX.lines.a1}`, expect: SITE_S1 },
  { route: 'GET /lines/:sipId', what: 'c1 (VG2)', url: `/lines/${FIX.lines.c1}`, expect: SITE_S3 },
  {
    route: 'PUT /lines/:sipId',
    what: 'a1 (S1), password kept',
    url: `/lines/${FIX.lines.a1}`,
    body: { siteId: FIX.s1, auth: 'digest', channels: 4, basicNumber: FIX.n1, dialInNumbers: [FIX.n1d] },
    prepare: etagOf(`/lines/${FIX.lines.a1}`),
    expect: CONTRACT_S1,
  },
  {
    route: 'PUT /lines/:sipId',
    what: 'create a line in S1',
    url: (c) => `/lines/new-${c}`,
    body: (c: Column) => ({ siteId: FIX.s1, auth: 'digest', password: 'linepass-123', channels: 2, basicNumber: `03111190${String(col(c)).padStart(2, '0')}` }),
    expect: E(401, 201, 403, 404, 403, 404, 404, 404),
  },
  {
    route: 'PUT /lines/:sipId',
    what: 'c1 (VG2)',
    url: `/lines/${FIX.lines.c1}`,
    body: { siteId: FIX.s3, auth: 'digest', channels: 4, basicNumber: FIX.n4 },
    prepare: etagOf(`/lines/${FIX.lines.c1}`),
    expect: CONTRACT_S3,
  },

  // --- registration status, bindings, channels ---
  { route: 'GET /sites/:id/lines', what: 'S1', url: `/sites/${FIX.s1}/lines`, expect: SITE_S1 },
  { route: 'GET /sites/:id/lines', what: 'S2', url: `/sites/${FIX.s2}/lines`, expect: SITE_S2 },
  { route: 'GET /lines/:sipId/status', what: 'a1 (S1)', url: `/lines/${FIX.lines.a1}/status`, expect: SITE_S1 },
  { route: 'GET /lines/:sipId/status', what: 'b1 (S2)', url: `/lines/${FIX.lines.b1}/status`, expect: SITE_S2 },
  { route: 'GET /lines/:sipId/bindings', what: 'a1 (S1)', url: `/lines/${FIX.lines.a1}/bindings`, expect: SITE_S1 },
  { route: 'GET /lines/:sipId/bindings', what: 'c1 (VG2)', url: `/lines/${FIX.lines.c1}/bindings`, expect: SITE_S3 },
  { route: 'GET /lines/:sipId/channels', what: 'a1 (S1)', url: `/lines/${FIX.lines.a1}/channels`, expect: SITE_S1 },
  { route: 'GET /lines/:sipId/channels', what: 'b1 (S2)', url: `/lines/${FIX.lines.b1}/channels`, expect: SITE_S2 },

  // --- hunt groups and bulk-forwarding groups (never number users) ---
  { route: 'GET /sites/:id/hunt-groups', what: 'S1', url: `/sites/${FIX.s1}/hunt-groups`, expect: SITE_S1 },
  { route: 'GET /sites/:id/bulk-groups', what: 'S1', url: `/sites/${FIX.s1}/bulk-groups`, expect: SITE_S1 },
  { route: 'GET /sites/:id/bulk-groups', what: 'S3 (VG2)', url: `/sites/${FIX.s3}/bulk-groups`, expect: SITE_S3 },
  { route: 'GET /hunt-groups/:id', what: 'HG1 (S1)', url: `/hunt-groups/${FIX.hunt}`, expect: SITE_S1 },
  { route: 'GET /hunt-groups/:id', what: 'HG3 (VG2)', url: `/hunt-groups/${FIX.hunt3}`, expect: SITE_S3 },
  { route: 'GET /bulk-groups/:id', what: 'BG1 (S1)', url: `/bulk-groups/${FIX.bulk}`, expect: SITE_S1 },
  {
    route: 'PUT /hunt-groups/:id',
    what: 'HG1 (S1)',
    url: `/hunt-groups/${FIX.hunt}`,
    body: { siteId: FIX.s1, pilot: FIX.n1, members: [FIX.n2], mode: 'sequential' },
    prepare: etagOf(`/hunt-groups/${FIX.hunt}`),
    expect: SITE_S1,
  },
  {
    route: 'PUT /hunt-groups/:id',
    what: 'HG1 (S1): a new pilot, pilot n1 again before each try',
    url: `/hunt-groups/${FIX.hunt}`,
    body: { siteId: FIX.s1, pilot: FIX.n2, members: [FIX.n1] },
    prepare: async () => {
      const etag = await etagOf(`/hunt-groups/${FIX.hunt}`)();
      const reset = await h.req(tokens.operator, 'PUT', `/hunt-groups/${FIX.hunt}`, { siteId: FIX.s1, pilot: FIX.n1, members: [FIX.n2] }, etag.headers);
      if (reset.status !== 200) throw new Error(`prepare HG1: ${reset.status} ${reset.text}`);
      return etagOf(`/hunt-groups/${FIX.hunt}`)();
    },
    expect: CONTRACT_S1,
  },
  {
    route: 'PUT /hunt-groups/:id',
    what: 'create a hunt group in S2 (pilot n3, a member line made by the operator)',
    url: (c) => `/hunt-groups/NEW-${c}`,
    body: { siteId: FIX.s2, pilot: FIX.n3, members: ['0311120050'] },
    prepare: async () => {
      if ((await h.req(tokens.operator, 'GET', '/lines/hunt-member')).status === 404) {
        const res = await h.req(tokens.operator, 'PUT', '/lines/hunt-member', {
          siteId: FIX.s2,
          auth: 'digest',
          password: 'linepass-123',
          channels: 1,
          basicNumber: '0311120050',
        });
        if (res.status !== 201) throw new Error(`prepare hunt-member: ${res.status} ${res.text}`);
      }
      return {};
    },
    expect: E(401, 201, 403, 404, 404, 403, 404, 404),
  },
  {
    route: 'PUT /hunt-groups/:id',
    what: 'HG3 (VG2)',
    url: `/hunt-groups/${FIX.hunt3}`,
    body: { siteId: FIX.s3, pilot: FIX.n4, members: [FIX.n5] },
    prepare: etagOf(`/hunt-groups/${FIX.hunt3}`),
    expect: SITE_S3,
  },
  {
    route: 'PUT /bulk-groups/:id',
    what: 'BG1 (S1)',
    url: `/bulk-groups/${FIX.bulk}`,
    body: { siteId: FIX.s1, name: 'HQ night', members: [FIX.n1, FIX.n1d] },
    prepare: etagOf(`/bulk-groups/${FIX.bulk}`),
    expect: SITE_S1,
  },
  {
    route: 'POST /bulk-groups/:id/start',
    what: 'BG1 (S1), stopped before each try',
    url: `/bulk-groups/${FIX.bulk}/start`,
    prepare: bulkState(FIX.bulk, 'stopped'),
    expect: SITE_S1,
  },
  {
    route: 'POST /bulk-groups/:id/stop',
    what: 'BG1 (S1), started before each try',
    url: `/bulk-groups/${FIX.bulk}/stop`,
    prepare: bulkState(FIX.bulk, 'started'),
    expect: SITE_S1,
  },
  {
    route: 'POST /bulk-groups/:id/start',
    what: 'BG3 (VG2), stopped before each try',
    url: `/bulk-groups/${FIX.bulk3}/start`,
    prepare: bulkState(FIX.bulk3, 'stopped'),
    expect: SITE_S3,
  },
  { route: 'GET /bulk-groups/:id/operation', what: 'BG1 (S1), after a start', url: `/bulk-groups/${FIX.bulk}/operation`, expect: SITE_S1 },
  { route: 'GET /bulk-groups/:id/operation', what: 'BG3 (VG2), after a start', url: `/bulk-groups/${FIX.bulk3}/operation`, expect: SITE_S3 },
  {
    route: 'GET /bulk-groups/:id/operation.csv',
    what: 'BG1 (S1), stopped',
    url: `/bulk-groups/${FIX.bulk}/operation.csv`,
    prepare: bulkState(FIX.bulk, 'stopped'),
    expect: SITE_S1,
  },
  {
    route: 'DELETE /bulk-groups/:id',
    what: 'a stopped group of S1 (created again before each try)',
    url: '/bulk-groups/BG-del1',
    prepare: bulkToDelete('BG-del1', FIX.s1, [FIX.n2]),
    expect: SITE_S1,
  },
  {
    route: 'DELETE /bulk-groups/:id',
    what: 'a stopped group of S3 (VG2)',
    url: '/bulk-groups/BG-del3',
    prepare: bulkToDelete('BG-del3', FIX.s3, [FIX.n5]),
    expect: SITE_S3,
  },

  // --- routing: operators only ---
  { route: 'GET /routing', what: 'peers and routes', url: '/routing', expect: OPERATOR_ONLY },
  {
    route: 'PUT /routing',
    what: 'outbound routes',
    url: '/routing',
    body: { outboundRoutes: [{ name: 'pstn', prefix: '', target: '127.0.0.1:5099', transport: 'udp' }] },
    prepare: etagOf('/routing'),
    expect: OPERATOR_ONLY,
  },

  // --- numbers: reads ---
  { route: 'GET /numbers/:number', what: 'n1: S1, user-n1 own', url: `/numbers/${FIX.n1}`, expect: READ_N1 },
  { route: 'GET /numbers/:number', what: 'n1 in E.164 form', url: `/numbers/${encodeURIComponent('+81311110001')}`, expect: READ_N1 },
  {
    route: 'GET /numbers/:number',
    what: 'n1d: dial-in of the same line, not user-n1s number',
    url: `/numbers/${FIX.n1d}`,
    expect: E(401, 200, 200, 404, 200, 404, 404, 404),
  },
  { route: 'GET /numbers/:number', what: 'n2: S1, user-n2 own', url: `/numbers/${FIX.n2}`, expect: READ_N2 },
  { route: 'GET /numbers/:number', what: 'n3: S2 of VG1', url: `/numbers/${FIX.n3}`, expect: READ_N3 },
  { route: 'GET /numbers/:number', what: 'n4: VG2', url: `/numbers/${FIX.n4}`, expect: READ_N4 },
  { route: 'GET /numbers/:number', what: 'not our number', url: '/numbers/0399999999', expect: E(401, 404, 404, 404, 404, 404, 404, 404) },
  { route: 'GET /numbers/:number/nuisance-counts', what: 'n1', url: `/numbers/${FIX.n1}/nuisance-counts`, expect: READ_N1 },
  { route: 'GET /numbers/:number/nuisance-counts', what: 'n4: VG2', url: `/numbers/${FIX.n4}/nuisance-counts`, expect: READ_N4 },
  { route: 'GET /numbers/:number/block-list', what: 'n1', url: `/numbers/${FIX.n1}/block-list`, expect: READ_N1 },
  { route: 'GET /numbers/:number/block-list', what: 'n4: VG2', url: `/numbers/${FIX.n4}/block-list?sort=number`, expect: READ_N4 },
  { route: 'GET /numbers', what: 'search (each account within its own scope)', url: '/numbers?prefix=03', expect: ANY },
  { route: 'GET /sites/:id/numbers.csv', what: 'S1', url: `/sites/${FIX.s1}/numbers.csv`, expect: SITE_S1 },
  { route: 'GET /sites/:id/numbers.csv', what: 'S3 (VG2)', url: `/sites/${FIX.s3}/numbers.csv`, expect: SITE_S3 },
  { route: 'GET /voice-groups/:id/numbers.csv', what: 'VG1', url: `/voice-groups/${FIX.vg1}/numbers.csv`, expect: VG_1 },
  { route: 'GET /voice-groups/:id/numbers.csv', what: 'VG2', url: `/voice-groups/${FIX.vg2}/numbers.csv?prefix=032`, expect: VG_2 },

  // --- numbers: each feature field, by what the role may change ---
  patchNumber(FIX.n1, { forwarding: { ringTime: 20 } }, 'n1 forwarding', USER_N1),
  patchNumber(FIX.n1, { blockedCallers: ['0398765432'] }, 'n1 nuisance list', USER_N1),
  patchNumber(FIX.n1, { blockAnnouncementUri: null }, 'n1 nuisance announcement', USER_N1),
  patchNumber(FIX.n1, { anonymousRejection: true }, 'n1 anonymous rejection', USER_N1),
  patchNumber(FIX.n1, { presentation: 'present' }, 'n1 caller-ID presentation', USER_N1),
  patchNumber(FIX.n1, { internationalBar: false }, 'n1 international bar', ADMIN_N1),
  patchNumber(FIX.n1, { outgoingRestriction: false }, 'n1 outgoing restriction', ADMIN_N1),
  specific(null, { number: '0120123456', enabled: false }, 'n1 specific-presentation number: set (contract)', CONTRACT_N1),
  specific(
    { number: '0120123456', enabled: true },
    { number: '0120-123-456', enabled: false },
    'n1 specific presentation switched off, the number the operator set',
    ADMIN_N1,
  ),
  specific(
    { number: '0120123456', enabled: true },
    { number: '0120999999', enabled: true },
    'n1 specific-presentation number: changed (contract)',
    CONTRACT_N1,
  ),
  specific({ number: '0120123456', enabled: true }, null, 'n1 specific-presentation number: cleared (contract)', CONTRACT_N1),
  patchNumber(FIX.n1, { anonymousRejection: false, internationalBar: false }, 'n1 allowed + refused field together: all refused', ADMIN_N1),
  patchNumber(FIX.n2, { anonymousRejection: true }, 'n2 anonymous rejection', READ_N2),
  patchNumber(FIX.n3, { forwarding: { ringTime: 25 } }, 'n3 forwarding (S2)', READ_N3),
  patchNumber(FIX.n4, { forwarding: { ringTime: 25 } }, 'n4 forwarding (VG2)', READ_N4),
  patchNumber(FIX.n4, { outgoingRestriction: false }, 'n4 outgoing restriction (VG2)', READ_N4),

  // --- subscribed options: contract items (docs/product.md §4.6); null keeps the fixture without records ---
  {
    route: 'PUT /numbers/:number/options',
    what: 'n1 options (contract)',
    url: `/numbers/${FIX.n1}/options`,
    body: { options: null },
    prepare: etagOf(`/numbers/${FIX.n1}`),
    expect: CONTRACT_N1,
  },
  {
    route: 'PUT /numbers/:number/options',
    what: 'n4 options (VG2)',
    url: `/numbers/${FIX.n4}/options`,
    body: { options: null },
    prepare: etagOf(`/numbers/${FIX.n4}`),
    expect: E(401, 200, 404, 403, 404, 404, 404, 404),
  },
  { route: 'GET /sites/:id/options', what: 'S1', url: `/sites/${FIX.s1}/options`, expect: SITE_S1 },
  { route: 'GET /sites/:id/options', what: 'S3 (VG2)', url: `/sites/${FIX.s3}/options`, expect: SITE_S3 },
  {
    route: 'PUT /sites/:id/options',
    what: 'S1 options (contract)',
    url: `/sites/${FIX.s1}/options`,
    body: { options: null },
    prepare: etagOf(`/sites/${FIX.s1}/options`),
    expect: CONTRACT_S1,
  },

  // --- forwarding CSV of a site ---
  { route: 'GET /sites/:id/forwarding.csv', what: 'S1', url: `/sites/${FIX.s1}/forwarding.csv`, expect: SITE_S1 },
  { route: 'GET /sites/:id/forwarding.csv', what: 'S3 (VG2)', url: `/sites/${FIX.s3}/forwarding.csv`, expect: SITE_S3 },
  {
    route: 'PUT /sites/:id/forwarding.csv',
    what: 'S1, its own CSV sent back',
    url: `/sites/${FIX.s1}/forwarding.csv`,
    prepare: etagOf(`/sites/${FIX.s1}/forwarding.csv`, true),
    expect: SITE_S1,
  },
  {
    route: 'PUT /sites/:id/forwarding.csv',
    what: 'S3 (VG2)',
    url: `/sites/${FIX.s3}/forwarding.csv`,
    prepare: etagOf(`/sites/${FIX.s3}/forwarding.csv`, true),
    expect: SITE_S3,
  },

  // --- settings history (entries outside the scope are filtered: see below) ---
  { route: 'GET /history', what: 'everything visible', url: '/history', expect: ANY },
  { route: 'GET /history', what: 'filtered to n1', url: `/history?number=${FIX.n1}`, expect: E(401, 200, 200, 200, 200, 200, 200, 404) },
  { route: 'GET /history', what: 'filtered to S1', url: `/history?site=${FIX.s1}`, expect: E(401, 200, 200, 200, 200, 404, 200, 200) },

  // --- password-guessing bans: operators only ---
  { route: 'GET /security/bans', what: 'every ban', url: '/security/bans', expect: OPERATOR_ONLY },
  { route: 'GET /monitoring/targets', what: 'peers, IP trunks and route targets, up or down', url: '/monitoring/targets', expect: OPERATOR_ONLY },
  {
    route: 'DELETE /security/bans/:address',
    what: 'a banned address, banned again before each try',
    url: '/security/bans/192.0.2.77',
    prepare: async () => {
      const now = Date.now();
      await new SecurityStore(h.redis).ban({ address: '192.0.2.77', reason: 'test', count: 51, sipId: 'x', since: now, until: now + 60_000 }, now);
      return {};
    },
    expect: OPERATOR_ONLY,
  },
  {
    route: 'DELETE /security/bans/:address',
    what: 'an address that is not banned',
    url: '/security/bans/192.0.2.78',
    expect: E(401, 404, 403, 403, 403, 403, 403, 403),
  },

  // --- the portal's view of what the caller may do ---
  { route: 'GET /me/capabilities', what: 'own capabilities', url: '/me/capabilities', expect: ANY },
];

const methodOf = (c: Case) => c.route.split(' ')[0]!;

t.test('role × action matrix', async (t) => {
  for (const c of CASES) {
    const method = methodOf(c);
    for (const column of COLUMNS) {
      const prepared = c.prepare ? await c.prepare() : {};
      const url = typeof c.url === 'function' ? c.url(column) : c.url;
      const body = prepared.body ?? (typeof c.body === 'function' ? (c.body as (c: Column) => unknown)(column) : c.body);
      const res = await h.req(tokens[column], method, url, body, prepared.headers ?? {});
      t.equal(
        res.status,
        c.expect[column],
        `${column.padEnd(11)} ${method} ${url} (${c.what})`,
        res.status !== c.expect[column] ? { body: res.text.slice(0, 400) } : {},
      );
    }
  }
  // The DELETE rows' groups, created again for the columns that may not delete them: gone, so the lists below are the fixture's.
  for (const id of ['BG-del1', 'BG-del3']) {
    const { headers } = await bulkToDelete(id, '', [])();
    t.equal((await h.req(tokens.operator, 'DELETE', `/bulk-groups/${id}`, undefined, headers)).status, 200, `${id} cleaned up`);
  }
});

t.test('every registered route has a row in the matrix', async (t) => {
  const doc = (await h.req(undefined, 'GET', '/openapi.json')).body as { paths: Record<string, Record<string, unknown>> };
  const registered = Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.keys(ops).map((m) => `${m.toUpperCase()} ${path.replace(/\{([^}]+)\}/g, ':$1')}`),
  );
  const covered = new Set(CASES.map((c) => c.route));
  t.same(
    registered.filter((r) => !covered.has(r)),
    [],
    'routes without a row',
  );
  t.same(
    [...covered].filter((r) => r !== 'GET /openapi.json' && !registered.includes(r)),
    [],
    'rows for routes that do not exist',
  );
});

t.test('the settings history shows nobody an entry outside their scope', async (t) => {
  const inScope: Record<Exclude<Column, 'anon'>, (e: { target: { kind: string; id: string }; siteId?: string; voiceGroupId?: string }) => boolean> = {
    operator: () => true,
    vgAdmin: (e) => e.voiceGroupId === FIX.vg1,
    vgAdmin2: (e) => e.voiceGroupId === FIX.vg2,
    siteAdmin: (e) => e.siteId === FIX.s1,
    siteAdmin2: (e) => e.siteId === FIX.s2,
    numberUser: (e) => e.target.kind === 'number' && e.target.id === FIX.n1,
    numberUser2: (e) => e.target.kind === 'number' && e.target.id === FIX.n2,
  };
  const all = (await h.req(tokens.operator, 'GET', '/history?limit=1000')).body as Array<Parameters<(typeof inScope)['operator']>[0]>;
  t.ok(all.length >= 5, `the matrix left ${all.length} history entries`);
  for (const [column, ok] of Object.entries(inScope) as Array<[Exclude<Column, 'anon'>, (typeof inScope)['operator']]>) {
    for (const url of ['/history?limit=1000', `/history?number=${FIX.n1}`, `/history?site=${FIX.s1}`, `/history?number=${FIX.n4}`]) {
      const res: Reply = await h.req(tokens[column], 'GET', url);
      if (res.status !== 200) continue; // refusals are the matrix's business
      const entries = res.body as typeof all;
      t.same(
        entries.filter((e) => !ok(e)),
        [],
        `${column} ${url}: nothing outside its scope`,
      );
      if (url === '/history?limit=1000') t.equal(entries.length, all.filter(ok).length, `${column} sees every entry of its scope`);
    }
  }
});

t.test('lists show exactly what is in scope', async (t) => {
  const ids = async (column: Column, url: string, key = 'id') =>
    ((await h.req(tokens[column], 'GET', url)).body as Array<Record<string, string>>).map((x) => x[key]).sort();
  const vgs = await ids('operator', '/voice-groups');
  t.ok(vgs.includes(FIX.vg1) && vgs.includes(FIX.vg2) && vgs.includes('NEW-operator'), 'the operator sees every voice group');
  t.same(await ids('vgAdmin', '/voice-groups'), [FIX.vg1]);
  t.same(await ids('vgAdmin2', '/voice-groups'), [FIX.vg2]);
  for (const c of ['siteAdmin', 'siteAdmin2', 'numberUser', 'numberUser2'] as const) t.same(await ids(c, '/voice-groups'), [], `${c} sees no voice group`);
  const sites = await ids('vgAdmin', `/voice-groups/${FIX.vg1}/sites`);
  t.ok(sites.includes(FIX.s1) && sites.includes(FIX.s2) && sites.includes('1000102'), 'VG1 admin sees the sites of VG1, the new one too');
  t.notOk(sites.includes(FIX.s3));
  const lines = await ids('siteAdmin', `/sites/${FIX.s1}/lines`, 'sipId');
  t.ok(lines.includes(FIX.lines.a1) && lines.includes('new-operator') && !lines.includes(FIX.lines.b1), 'S1 admin sees the lines of S1');
  t.notOk(lines.includes('new-siteAdmin') || lines.includes('new-vgAdmin'), 'customers created no line (contract items)');
  t.same(await ids('siteAdmin', `/sites/${FIX.s1}/bulk-groups`), [FIX.bulk]);
});

t.test('accounts the matrix created are usable exactly within their scope', async (t) => {
  const login = await h.req(undefined, 'POST', '/auth/login', { name: 'matrix-n1-siteAdmin', password: 'Matrix1234' });
  t.equal(login.status, 200);
  t.equal((await h.req(login.body.token, 'GET', `/numbers/${FIX.n1}`)).status, 200);
  t.equal((await h.req(login.body.token, 'GET', `/numbers/${FIX.n2}`)).status, 404);
  t.same(ACCOUNTS.numberUser.number, FIX.n1);
});
