import { isIP } from 'node:net';
import { orderByPriorityAndWeight } from './srv-order.js';

/**
 * RFC 3263 §4 "Locating a SIP server", for the targets we provision (never
 * for a name taken from a request): which transport, addresses and ports to
 * try, in the order to try them. The DNS answers come from `DnsQueries`
 * (cached, I/O at the edge); this procedure is otherwise pure.
 *
 *   IP literal            -> that address, the port given or 5060
 *   name:port             -> its A/AAAA addresses at that port
 *   name, transport given -> SRV _sip._udp/_sip._tcp.name, else A/AAAA at 5060
 *   name, no transport    -> NAPTR (SIP+D2U, SIP+D2T), else SRV for UDP then
 *                            TCP, else A/AAAA over UDP at 5060
 *
 * SIPS / TLS services are left out: this service does not send over TLS.
 */
export type LocatedTransport = 'UDP' | 'TCP';

export interface SrvRecord {
  priority: number;
  weight: number;
  port: number;
  name: string;
}

export interface NaptrRecord {
  order: number;
  preference: number;
  flags: string;
  service: string;
  replacement: string;
}

/** The DNS answers the procedure needs; a name that does not resolve gives []. */
export interface DnsQueries {
  naptr(name: string): Promise<NaptrRecord[]>;
  srv(name: string): Promise<SrvRecord[]>;
  /** A then AAAA addresses of a name. */
  addresses(name: string): Promise<string[]>;
}

export interface LocateRequest {
  host: string;
  port?: number;
  /** Given by the provisioning: no NAPTR look-up then (§4.1). */
  transport?: LocatedTransport;
}

/** One place to try. */
export interface LocatedHop {
  transport: LocatedTransport;
  address: string;
  port: number;
  /** How it was found, for logs: "A carrier.example", "SRV _sip._udp.carrier.example -> sip1.carrier.example". */
  via: string;
}

/** At most this many hops per target: a hostile or broken zone cannot make one call try hundreds of servers. */
export const MAX_HOPS_PER_TARGET = 16;

export const SIP_PORT = 5060;

const SERVICES: Record<string, LocatedTransport> = { 'SIP+D2U': 'UDP', 'SIP+D2T': 'TCP' };

export async function locateSipServer(request: LocateRequest, dns: DnsQueries, random: () => number = Math.random): Promise<LocatedHop[]> {
  const { host, port } = request;
  if (isIP(host)) return [{ transport: request.transport ?? 'UDP', address: host, port: port ?? SIP_PORT, via: 'literal' }];
  if (port !== undefined) return addressHops(host, port, request.transport ?? 'UDP', dns, `A/AAAA ${host}`);

  const services = request.transport ? [srvName(request.transport, host)] : await naptrServices(host, dns);
  const hops: LocatedHop[] = [];
  let anySrv = false;
  for (const service of services) {
    const records = (await dns.srv(service.name)).filter((r) => r.name !== '' && r.name !== '.');
    if (records.length === 0) continue;
    anySrv = true;
    for (const record of orderByPriorityAndWeight(records, random)) {
      hops.push(...(await addressHops(record.name, record.port, service.transport, dns, `SRV ${service.name} -> ${record.name}`)));
      if (hops.length >= MAX_HOPS_PER_TARGET) return hops.slice(0, MAX_HOPS_PER_TARGET);
    }
  }
  // §4.2: no SRV record at all -> the name's own addresses at the default port.
  if (!anySrv) return addressHops(host, SIP_PORT, services[0]?.transport ?? 'UDP', dns, `A/AAAA ${host}`);
  return hops;
}

/** §4.1: the NAPTR services we can use in their order, or SRV for each transport we support (UDP first). */
async function naptrServices(host: string, dns: DnsQueries): Promise<Array<{ transport: LocatedTransport; name: string }>> {
  const usable = (await dns.naptr(host))
    .filter((r) => r.flags.toLowerCase() === 's' && SERVICES[r.service.toUpperCase()] !== undefined && r.replacement !== '')
    .sort((a, b) => a.order - b.order || a.preference - b.preference);
  if (usable.length > 0) return usable.map((r) => ({ transport: SERVICES[r.service.toUpperCase()]!, name: r.replacement.replace(/\.$/, '') }));
  return [srvName('UDP', host), srvName('TCP', host)];
}

function srvName(transport: LocatedTransport, host: string): { transport: LocatedTransport; name: string } {
  return { transport, name: `_sip._${transport.toLowerCase()}.${host}` };
}

async function addressHops(name: string, port: number, transport: LocatedTransport, dns: DnsQueries, via: string): Promise<LocatedHop[]> {
  const addresses = isIP(name) ? [name] : await dns.addresses(name);
  return addresses.slice(0, MAX_HOPS_PER_TARGET).map((address) => ({ transport, address, port, via }));
}
