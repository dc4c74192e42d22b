import { isIP } from 'node:net';

/**
 * Rules for addresses the service trusts without a password (IP-authenticated
 * lines, interconnect peers): a single host that can really be the source of
 * a packet. Wildcard/unspecified, multicast, broadcast and reserved addresses
 * are refused; loopback is refused unless the deployment allows it (its own
 * test rigs), since anything running on the server could then speak as the line.
 * Input is canonical (canonicalIp): IPv4 dotted quad or lower-case IPv6.
 */

export interface TrustedAddressOptions {
  /** provisioning.allowLoopbackAddresses: 127.0.0.0/8 and ::1 accepted. */
  allowLoopback: boolean;
}

/** Why `ip` cannot be trusted, or undefined when it can. */
export function trustedAddressProblem(ip: string, options: TrustedAddressOptions): string | undefined {
  if (isIP(ip) === 4) {
    const [a = 0, b = 0, c = 0, d = 0] = ip.split('.').map(Number);
    if (a === 0) return 'an unspecified (0.0.0.0/8) address cannot be trusted; give a single host address';
    if (a === 255 && b === 255 && c === 255 && d === 255) return 'the broadcast address cannot be trusted; give a single host address';
    if (a >= 224 && a <= 239) return 'a multicast address cannot be trusted; give a single host address';
    if (a >= 240) return 'a reserved (240.0.0.0/4) address cannot be trusted; give a single host address';
    if (a === 127 && !options.allowLoopback) return LOOPBACK;
    return undefined;
  }
  if (isIP(ip) === 6) {
    const bare = ip.replace(/%.*$/, '');
    if (bare === '::') return 'the unspecified address :: cannot be trusted; give a single host address';
    if (/^ff[0-9a-f]{2}:/.test(bare)) return 'a multicast address cannot be trusted; give a single host address';
    // Written as dotted IPv4, canonicalIp has already made it IPv4; in hex it would hide the IPv4 rules.
    if (/^::ffff:/.test(bare)) return 'write an IPv4-mapped address as its IPv4 address';
    if (bare === '::1' && !options.allowLoopback) return LOOPBACK;
    return undefined;
  }
  return 'not an IPv4 or IPv6 address';
}

const LOOPBACK =
  'a loopback address cannot be trusted (any program on the server could use it); ' + 'set provisioning.allowLoopbackAddresses: true only for a test rig';
