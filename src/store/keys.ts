/**
 * The Redis key layout, in one place. Every node reads and writes these keys;
 * nothing else in the code builds a key by hand.
 *
 * Provisioned data (written by `npm run provision`, read by the SIP side):
 *   vg:{id}              hash  id, name
 *   vgs                  set   voice-group ids
 *   site:{id}            hash  id, voiceGroupId, name
 *   site:{id}:lines      set   SIP-IDs of the site's lines
 *   line:{sipId}         hash  see LineRecord in src/store/line-store.ts
 *   lines                set   every SIP-ID
 *   num:{number}         hash  number, sipId, kind ('basic' | 'dial-in')
 *   ipauth:{address}     string  SIP-ID of the IP-authenticated line trusted at that address
 *
 * Registration state:
 *   reg:{sipId}          hash  contact key -> binding JSON; key TTL = latest expiry
 *   reg:expiry           zset  "{sipId}\n{contactKey}" scored by expiry (ms), swept by every node
 *   regerr:{sipId}       hash  at, text: the line's latest registration error
 *   regerr-discard       hash  the same write for a SIP-ID that does not exist (same cost, no key per name)
 *   nc:{nonce}           string  highest nonce-count seen for a nonce; TTL = nonce lifetime
 *
 * Shared secrets:
 *   secret:nonce         string  nonce-signing key when the config gives none, so every node signs alike
 *   secret:api           string  management-API token signing key, shared by every node
 *   secret:dialog        string  signs our Record-Route and Via branches, so every node checks what another signed
 *
 * Management:
 *   acct:{name}          string  account JSON (role, scope, scrypt hash, token generation)
 *   accts                set     account names
 *   acctfail:{name}      string  failed logins in a row (INCR; TTL 15 min), for any name, known or not
 *   acctlock:{name}      string  locked until (ms); TTL the lock time
 *   hist                 zset    settings-history entries (JSON) by time (ms)
 *   hist:{kind}:{id}     zset    the same entries per target (number, site, voice group, bulk group, …)
 *   hist:indexes         set     the per-target history keys, so a purge reaches them all
 *   lock:mgmt            string  held (PX 10 s) by the one management write in progress on any node
 *
 * Call features (provisioning / management API write, the call path reads; src/features/feature-store.ts):
 *   feat:{number}        hash  feature name -> JSON value; fields not set take defaultFeatures()
 *   hunt:{id}            string  HuntGroup JSON
 *   huntof:{number}      string  id of the hunt group the number is in (at most one)
 *   huntrr:{id}          string  round-robin counter (INCR), shared by all nodes
 *   site:{id}:hunts      set   hunt-group ids of the site
 *   bulk:{id}            string  BulkGroup JSON
 *   bulkof:{number}      string  id of the bulk-forwarding group the number is in (at most one)
 *   site:{id}:bulks      set   bulk-group ids of the site
 *   nuis:{number}:{YYYY-MM}  string  nuisance rejections that month (service time zone); TTL 70 days
 *
 * Routing (src/routing/route-store.ts):
 *   peers                hash  peer name -> Peer JSON
 *   peeraddr:{address}   string  Peer JSON of the interconnect peer trusted at that address
 *   routes               hash  outbound -> OutboundRoute[] JSON, emergency -> OutboundRoute JSON
 *
 * Calls (src/routing/channel-store.ts):
 *   chan:{sipId}         zset  call-leg id scored by expiry (ms): the line's channels in use
 *
 * Password-guessing bans (src/security/security-store.ts):
 *   authfail:src:{address}  string  failed authentications from that address this window (INCR; TTL = window)
 *   authfail:id:{sipId}     string  failed authentications for that SIP-ID this window, from any source
 *   ban:{address}        string  Ban JSON (reason, count, sipId, since, until); TTL = ban time
 *   bans                 zset  banned addresses scored by ban end (ms): what every node's ban cache reads
 *   regsrc:{address}     hash  "{transport} {port} {sipId}" -> binding expiry (ms): endpoints at that
 *                              address with a live binding, which a ban of the address does not lock out
 */
export const keys = {
  voiceGroup: (id: string) => `vg:${id}`,
  voiceGroupIndex: 'vgs',
  site: (id: string) => `site:${id}`,
  siteLines: (id: string) => `site:${id}:lines`,
  line: (sipId: string) => `line:${sipId}`,
  lineIndex: 'lines',
  number: (number: string) => `num:${number}`,
  ipAuth: (address: string) => `ipauth:${address}`,
  bindings: (sipId: string) => `reg:${sipId}`,
  bindingExpiry: 'reg:expiry',
  lastError: (sipId: string) => `regerr:${sipId}`,
  lastErrorDiscard: 'regerr-discard',
  nonceCount: (nonce: string) => `nc:${nonce}`,
  nonceSecret: 'secret:nonce',
  apiSecret: 'secret:api',
  dialogSecret: 'secret:dialog',
  account: (name: string) => `acct:${name}`,
  accountIndex: 'accts',
  accountFailures: (name: string) => `acctfail:${name}`,
  accountLock: (name: string) => `acctlock:${name}`,
  history: 'hist',
  historyByTarget: (kind: string, id: string) => `hist:${kind}:${id}`,
  historyIndexes: 'hist:indexes',
  managementLock: 'lock:mgmt',
  features: (number: string) => `feat:${number}`,
  huntGroup: (id: string) => `hunt:${id}`,
  huntGroupOf: (number: string) => `huntof:${number}`,
  huntRoundRobin: (id: string) => `huntrr:${id}`,
  siteHuntGroups: (siteId: string) => `site:${siteId}:hunts`,
  bulkGroup: (id: string) => `bulk:${id}`,
  bulkGroupOf: (number: string) => `bulkof:${number}`,
  siteBulkGroups: (siteId: string) => `site:${siteId}:bulks`,
  nuisanceCount: (number: string, month: string) => `nuis:${number}:${month}`,
  peers: 'peers',
  peerAddress: (address: string) => `peeraddr:${address}`,
  routes: 'routes',
  channels: (sipId: string) => `chan:${sipId}`,
  authFailures: (address: string) => `authfail:src:${address}`,
  authFailuresForSipId: (sipId: string) => `authfail:id:${sipId}`,
  ban: (address: string) => `ban:${address}`,
  banIndex: 'bans',
  bindingSources: (address: string) => `regsrc:${address}`,
} as const;
