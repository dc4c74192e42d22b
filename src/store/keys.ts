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
 *   nc:{nonce}           string  highest nonce-count seen for a nonce; TTL = nonce lifetime
 *
 * Shared secrets:
 *   secret:nonce         string  nonce-signing key when the config gives none, so every node signs alike
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
  nonceCount: (nonce: string) => `nc:${nonce}`,
  nonceSecret: 'secret:nonce',
} as const;
