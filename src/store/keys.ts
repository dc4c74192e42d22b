/**
 * The Redis key layout, in one place. Every node reads and writes these keys;
 * nothing outside src/store builds or reads a key name.
 *
 * Redis Cluster: the keys one Lua script or MULTI/EXEC touches share a hash
 * tag (the part in `{}`), so they live in one slot. Provisioned data is one
 * group, `{prov}`, because a provisioning run applies it all in one
 * transaction (it is small and read-mostly); accounts are `{acct}`, history
 * `{hist}`; a line's bindings are tagged by SIP-ID, ban records by address.
 * A tag never comes from an empty value (SIP-IDs, numbers and addresses are
 * never empty), and `redis.keyPrefix` must not contain `{`.
 *
 * Provisioned data (written by `npm run provision`, read by the SIP side), all tagged {prov}:
 *   {prov}:vg:{id}           hash  id, name
 *   {prov}:vgs               set   voice-group ids
 *   {prov}:site:{id}         hash  id, voiceGroupId, name
 *   {prov}:site:{id}:lines   set   SIP-IDs of the site's lines
 *   {prov}:line:{sipId}      hash  see LineRecord in src/store/line-store.ts
 *   {prov}:lines             set   every SIP-ID
 *   {prov}:num:{number}      hash  number, sipId, kind ('basic' | 'dial-in')
 *   {prov}:ipauth:{address}  string  SIP-ID of the IP-authenticated line trusted at that address
 *   {prov}:feat:{number}     hash  feature name -> JSON value; fields not set take defaultFeatures()
 *   {prov}:opts:num:{number} string  JSON array of the options the number subscribed (absent: no record of its own)
 *   {prov}:opts:site:{id}    string  JSON array of the options every number of the site subscribed (absent: none)
 *   {prov}:hunt:{id}         string  HuntGroup JSON
 *   {prov}:huntof:{number}   string  id of the hunt group the number is in (at most one)
 *   {prov}:site:{id}:hunts   set   hunt-group ids of the site
 *   {prov}:bulk:{id}         string  BulkGroup JSON
 *   {prov}:bulkof:{number}   string  id of the bulk-forwarding group the number is in (at most one)
 *   {prov}:bulk:{id}:slot5   hash  member -> its slot-5 destination when the group was started ("" for none)
 *   {prov}:site:{id}:bulks   set   bulk-group ids of the site
 *   {prov}:bulkop:{id}       string  the group's latest start/stop: BulkOperation JSON (status, per-number result)
 *   {prov}:peers             hash  peer name -> Peer JSON
 *   {prov}:peeraddr:{address}  string  Peer JSON of the interconnect peer trusted at that address
 *   {prov}:routes            hash  outbound -> OutboundRoute[] JSON, emergencyByArea -> EmergencyRoute[] JSON (emergency -> the former single OutboundRoute JSON), voicemail -> VoicemailRoute JSON
 *
 * Registration state:
 *   reg:{sipId}          hash  contact key -> binding JSON, `_v` version; key TTL = latest expiry
 *   reg:{sipId}:due      zset  contact key scored by expiry (ms); same tag as the hash
 *   reg:due              zset  SIP-IDs scored by (at most) their earliest binding expiry: what the sweep visits
 *   regerr:{sipId}       hash  at, text: the line's latest registration error
 *   regerr-discard       hash  the same write for a SIP-ID that does not exist (same cost, no key per name)
 *   nc:{sipId}:{nonce}   string  highest nonce-count seen for a nonce used by that SIP-ID; TTL = nonce lifetime;
 *                        tagged by SIP-ID, so one script checks it and writes the line's bindings
 *
 * Shared secrets:
 *   secret:nonce         string  nonce-signing key when the config gives none, so every node signs alike
 *   secret:api           string  management-API token signing key, shared by every node
 *   secret:dialog        string  signs our Record-Route and Via branches, so every node checks what another signed
 *
 * Management:
 *   {acct}:acct:{name}   string  account JSON (role, scope, scrypt hash, token generation)
 *   {acct}:accts         set     account names
 *   {acct}:fail:{name}   string  failed logins in a row (INCR; TTL 15 min), for any name, known or not
 *   {acct}:lock:{name}   string  locked until (ms); TTL the lock time
 *   {hist}:hist          zset    settings-history entries (JSON) by time (ms)
 *   {hist}:hist:{kind}:{id}  zset  the same entries per target (number, site, voice group, bulk group, …)
 *   {hist}:indexes       set     the per-target history keys, so a purge reaches them all
 *   lock:mgmt            string  held (PX 10 s) by the one management write in progress on any node
 *
 * Call state:
 *   huntrr:{id}          string  round-robin counter (INCR), shared by all nodes
 *   nuis:{number}:{YYYY-MM}  string  nuisance rejections that month (service time zone); TTL 70 days; tagged by number
 *   chan:{sipId}         zset  call-leg id scored by expiry (ms): the line's channels in use
 *
 * Call detail records (src/store/cdr-store.ts), all tagged {cdr}:
 *   {cdr}:cdr            stream  every finished call's record (field `r`, JSON), id = time written; trimmed by age
 *   {cdr}:cdr:vg:{id}    stream  the same records per voice group a party of the call belongs to; expires when idle
 *   {cdr}:open           zset  Call-IDs of calls in progress scored by expiry (ms, Redis clock), refreshed by their node
 *   {cdr}:open:rec       hash  Call-ID -> open record JSON (start, parties, decisions so far, node)
 * Nodes (src/store/node-store.ts):
 *   nodes                hash  node id -> NodeRecord JSON (its SIP address for other nodes, until when it is live)
 * Monitoring (OPTIONS pings to peers, IP trunks and route targets):
 *   mon:health           hash  target id ("UDP 192.0.2.7:5060") -> TargetHealth JSON (state, counts, last result)
 *   mon:lease:{id}       string  node pinging that target this interval (SET NX PX): one ping per target per interval
 *
 * Password-guessing bans:
 *   authfail:src:{address}  string  failed authentications from that address this window (INCR; TTL = window)
 *   authfail:id:{sipId}     string  failed authentications for that SIP-ID this window, from any source
 *   ban:{address}        string  Ban JSON (reason, count, sipId, since, until); TTL = ban time; tagged by address
 *   bans                 zset  banned addresses scored by ban end (ms): what every node's ban cache reads
 *   regsrc:{address}     hash  "{transport} {port} {sipId}" -> binding expiry (ms): endpoints at that
 *                              address with a live binding, which a ban of the address does not lock out
 *
 * In the key names below a literal `{...}` is the hash tag.
 */
const PROV = '{prov}:';
const ACCT = '{acct}:';
const HIST = '{hist}:';
const CDR = '{cdr}:';

export const keys = {
  voiceGroup: (id: string) => `${PROV}vg:${id}`,
  voiceGroupIndex: `${PROV}vgs`,
  site: (id: string) => `${PROV}site:${id}`,
  siteLines: (id: string) => `${PROV}site:${id}:lines`,
  line: (sipId: string) => `${PROV}line:${sipId}`,
  lineIndex: `${PROV}lines`,
  number: (number: string) => `${PROV}num:${number}`,
  ipAuth: (address: string) => `${PROV}ipauth:${address}`,
  bindings: (sipId: string) => `reg:{${sipId}}`,
  bindingsDue: (sipId: string) => `reg:{${sipId}}:due`,
  bindingDueLines: 'reg:due',
  lastError: (sipId: string) => `regerr:${sipId}`,
  lastErrorDiscard: 'regerr-discard',
  nonceCount: (sipId: string, nonce: string) => `nc:{${sipId}}:${nonce}`,
  nonceSecret: 'secret:nonce',
  apiSecret: 'secret:api',
  dialogSecret: 'secret:dialog',
  account: (name: string) => `${ACCT}acct:${name}`,
  accountIndex: `${ACCT}accts`,
  accountFailures: (name: string) => `${ACCT}fail:${name}`,
  accountLock: (name: string) => `${ACCT}lock:${name}`,
  history: `${HIST}hist`,
  historyByTarget: (kind: string, id: string) => `${HIST}hist:${kind}:${id}`,
  historyIndexes: `${HIST}indexes`,
  managementLock: 'lock:mgmt',
  features: (number: string) => `${PROV}feat:${number}`,
  numberOptions: (number: string) => `${PROV}opts:num:${number}`,
  siteOptions: (siteId: string) => `${PROV}opts:site:${siteId}`,
  huntGroup: (id: string) => `${PROV}hunt:${id}`,
  huntGroupOf: (number: string) => `${PROV}huntof:${number}`,
  huntRoundRobin: (id: string) => `huntrr:${id}`,
  siteHuntGroups: (siteId: string) => `${PROV}site:${siteId}:hunts`,
  bulkGroup: (id: string) => `${PROV}bulk:${id}`,
  bulkGroupOf: (number: string) => `${PROV}bulkof:${number}`,
  bulkDestinations: (id: string) => `${PROV}bulk:${id}:slot5`,
  siteBulkGroups: (siteId: string) => `${PROV}site:${siteId}:bulks`,
  bulkOperation: (id: string) => `${PROV}bulkop:${id}`,
  nuisanceCount: (number: string, month: string) => `nuis:{${number}}:${month}`,
  peers: `${PROV}peers`,
  peerAddress: (address: string) => `${PROV}peeraddr:${address}`,
  routes: `${PROV}routes`,
  channels: (sipId: string) => `chan:{${sipId}}`,
  callRecords: `${CDR}cdr`,
  voiceGroupCallRecords: (id: string) => `${CDR}cdr:vg:${id}`,
  openCalls: `${CDR}open`,
  openCallRecords: `${CDR}open:rec`,
  authFailures: (address: string) => `authfail:src:{${address}}`,
  authFailuresForSipId: (sipId: string) => `authfail:id:${sipId}`,
  ban: (address: string) => `ban:{${address}}`,
  banIndex: 'bans',
  bindingSources: (address: string) => `regsrc:${address}`,
  nodes: 'nodes',
  targetHealth: 'mon:health',
  targetLease: (id: string) => `mon:lease:{${id}}`,
} as const;
