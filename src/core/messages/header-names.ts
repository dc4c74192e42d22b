// Canonical header names, compact forms (RFC 3261 §7.3.3 and later RFCs) and
// a fast allocation-free classifier used while indexing a received message.

/** Display names of known headers; a header's id is its index + 1. */
export const KNOWN_HEADERS = [
  'Via',
  'From',
  'To',
  'Call-ID',
  'CSeq',
  'Content-Length',
  'Max-Forwards',
  'Contact',
  'Content-Type',
  'Expires',
  'Authorization',
  'Proxy-Authorization',
  'Route',
  'Record-Route',
  'Date',
  'Accept',
  'Accept-Contact',
  'Accept-Encoding',
  'Accept-Language',
  'Accept-Resource-Priority',
  'Alert-Info',
  'Allow',
  'Allow-Events',
  'Authentication-Info',
  'Call-Info',
  'Content-Disposition',
  'Content-Encoding',
  'Content-Language',
  'Diversion',
  'Error-Info',
  'Event',
  'Flow-Timer',
  'Geolocation',
  'History-Info',
  'Identity',
  'Identity-Info',
  'In-Reply-To',
  'MIME-Version',
  'Min-Expires',
  'Min-SE',
  'Organization',
  'P-Asserted-Identity',
  'P-Preferred-Identity',
  'P-Access-Network-Info',
  'P-Called-Party-ID',
  'P-Charging-Vector',
  'P-Associated-URI',
  'P-Visited-Network-ID',
  'Path',
  'Priority',
  'Privacy',
  'Proxy-Authenticate',
  'Proxy-Require',
  'RAck',
  'Reason',
  'Refer-To',
  'Referred-By',
  'Reject-Contact',
  'Replaces',
  'Reply-To',
  'Request-Disposition',
  'Require',
  'Resource-Priority',
  'Retry-After',
  'RSeq',
  'Security-Client',
  'Security-Server',
  'Security-Verify',
  'Server',
  'Service-Route',
  'Session-Expires',
  'SIP-ETag',
  'SIP-If-Match',
  'Subject',
  'Subscription-State',
  'Supported',
  'Target-Dialog',
  'Timestamp',
  'Unsupported',
  'User-Agent',
  'Warning',
  'WWW-Authenticate',
  'Feature-Caps',
  'Content-Transfer-Encoding',
  'Refer-Sub',
  'Recv-Info',
  'Info-Package',
] as const;

export const H_VIA = 1;
export const H_CONTACT = 8;

const COMPACT: Record<string, string> = {
  i: 'call-id',
  m: 'contact',
  f: 'from',
  t: 'to',
  v: 'via',
  l: 'content-length',
  c: 'content-type',
  k: 'supported',
  s: 'subject',
  e: 'content-encoding',
  o: 'event',
  r: 'refer-to',
  b: 'referred-by',
  u: 'allow-events',
  x: 'session-expires',
  a: 'accept-contact',
  j: 'reject-contact',
  d: 'request-disposition',
  y: 'identity',
  n: 'identity-info',
};

const LOWER_TO_ID = new Map<string, number>();
const ID_TO_DISPLAY: string[] = [''];
const ID_TO_LOWER: string[] = [''];
KNOWN_HEADERS.forEach((name, idx) => {
  const lower = name.toLowerCase();
  if (!LOWER_TO_ID.has(lower)) LOWER_TO_ID.set(lower, idx + 1);
  ID_TO_DISPLAY.push(name);
  ID_TO_LOWER.push(lower);
});

// Open-addressing table: hash of lower-cased name -> id. Compact letters map
// to their long form's id.
const TABLE_SIZE = 1024;
const TABLE = new Int32Array(TABLE_SIZE);
const TABLE_KEYS: string[] = new Array<string>(TABLE_SIZE).fill('');

function hashLower(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}
function insert(lower: string, id: number): void {
  let slot = hashLower(lower) & (TABLE_SIZE - 1);
  while (TABLE[slot] !== 0) slot = (slot + 1) & (TABLE_SIZE - 1);
  TABLE[slot] = id;
  TABLE_KEYS[slot] = lower;
}
for (const [lower, id] of LOWER_TO_ID) insert(lower, id);
for (const [letter, long] of Object.entries(COMPACT)) insert(letter, LOWER_TO_ID.get(long) ?? 0);

/** Id of the header named src[start,end) (case-insensitive, compact aware), 0 if unknown. */
export function classifyName(src: string, start: number, end: number): number {
  let h = 0;
  for (let i = start; i < end; i++) {
    let c = src.charCodeAt(i);
    if (c >= 65 && c <= 90) c += 32;
    h = (Math.imul(h, 31) + c) | 0;
  }
  return classifyHashed(src, start, end, h);
}

/** As classifyName, with the lower-case hash (h = h*31 + c) already computed. */
export function classifyHashed(src: string, start: number, end: number, h: number): number {
  const len = end - start;
  let slot = h & (TABLE_SIZE - 1);
  for (;;) {
    const id = TABLE[slot] as number;
    if (id === 0) return 0;
    const key = TABLE_KEYS[slot] as string;
    if (key.length === len && equalsLower(src, start, key)) return id;
    slot = (slot + 1) & (TABLE_SIZE - 1);
  }
}

/** src[start, start+lower.length) equals `lower` ignoring ASCII case. */
export function equalsLower(src: string, start: number, lower: string): boolean {
  for (let k = 0; k < lower.length; k++) {
    let c = src.charCodeAt(start + k);
    if (c >= 65 && c <= 90) c += 32;
    if (c !== lower.charCodeAt(k)) return false;
  }
  return true;
}

export function displayNameOf(id: number): string {
  return ID_TO_DISPLAY[id] ?? '';
}

export function lowerNameOf(id: number): string {
  return ID_TO_LOWER[id] ?? '';
}

const canonCache = new Map<string, string>();

/** Canonical lower-case long name for any spelling (compact forms expanded). */
export function canonicalKey(name: string): string {
  const hit = canonCache.get(name);
  if (hit !== undefined) return hit;
  let lower = name.trim().toLowerCase();
  if (lower.length === 1) lower = COMPACT[lower] ?? lower;
  if (canonCache.size < 2048) canonCache.set(name, lower);
  return lower;
}

/** Id for a canonical key, 0 when unknown. */
export function idOfKey(key: string): number {
  return LOWER_TO_ID.get(key) ?? 0;
}
