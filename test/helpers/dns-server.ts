import dgram from 'node:dgram';
import { isIP } from 'node:net';

/**
 * A small authoritative DNS server for tests (RFC 1035 over UDP on
 * 127.0.0.1): answers A, AAAA, SRV and NAPTR questions from a table, NXDOMAIN
 * for a name it has no record of and an empty answer (NODATA) for a type it
 * lacks. It counts the questions, so a test can see what was cached.
 */
export type DnsRecord =
  | { name: string; type: 'A' | 'AAAA'; address: string; ttl?: number }
  | { name: string; type: 'SRV'; priority: number; weight: number; port: number; target: string; ttl?: number }
  | { name: string; type: 'NAPTR'; order: number; preference: number; flags: string; service: string; regexp?: string; replacement: string; ttl?: number };

const TYPES = { A: 1, AAAA: 28, SRV: 33, NAPTR: 35 } as const;
const TYPE_NAMES = new Map<number, string>(Object.entries(TYPES).map(([name, code]) => [code, name]));

export interface TestDnsServer {
  /** "127.0.0.1:PORT", as routing.dns.servers takes it. */
  server: string;
  port: number;
  /** Questions asked, "SRV _sip._udp.carrier.test". */
  questions: string[];
  records: DnsRecord[];
  close(): Promise<void>;
}

export async function startDnsServer(records: DnsRecord[]): Promise<TestDnsServer> {
  const socket = dgram.createSocket('udp4');
  const state: TestDnsServer = {
    server: '',
    port: 0,
    questions: [],
    records,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
  socket.on('message', (query, rinfo) => {
    const answer = respond(query, state);
    if (answer) socket.send(answer, rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  state.port = socket.address().port;
  state.server = `127.0.0.1:${state.port}`;
  return state;
}

function respond(query: Buffer, state: TestDnsServer): Buffer | undefined {
  if (query.length < 12 || query.readUInt16BE(4) !== 1) return undefined; // one question, as resolvers ask
  const { name, end } = readName(query, 12);
  if (end + 4 > query.length) return undefined;
  const type = query.readUInt16BE(end);
  state.questions.push(`${TYPE_NAMES.get(type) ?? type} ${name}`);
  const question = query.subarray(12, end + 4);
  const ofName = state.records.filter((r) => r.name.toLowerCase() === name);
  const answers = ofName.filter((r) => TYPES[r.type] === type);
  const header = Buffer.alloc(12);
  header.writeUInt16BE(query.readUInt16BE(0), 0); // id
  const rcode = ofName.length === 0 ? 3 : 0; // NXDOMAIN or NOERROR
  header.writeUInt16BE(0x8000 | 0x0400 | (query.readUInt16BE(2) & 0x0100) | rcode, 2); // QR, AA, RD copied
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(answers.length, 6);
  return Buffer.concat([header, question, ...answers.map(encodeRecord)]);
}

function readName(buf: Buffer, offset: number): { name: string; end: number } {
  const labels: string[] = [];
  let at = offset;
  while (at < buf.length && buf[at]! !== 0) {
    const length = buf[at]!;
    labels.push(buf.toString('latin1', at + 1, at + 1 + length));
    at += 1 + length;
  }
  return { name: labels.join('.').toLowerCase(), end: at + 1 };
}

function encodeName(name: string): Buffer {
  const labels = name.replace(/\.$/, '').split('.').filter(Boolean);
  return Buffer.concat([...labels.map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l, 'latin1')])), Buffer.from([0])]);
}

function characterString(text: string): Buffer {
  return Buffer.concat([Buffer.from([text.length]), Buffer.from(text, 'latin1')]);
}

function u16(...values: number[]): Buffer {
  const b = Buffer.alloc(values.length * 2);
  values.forEach((v, i) => b.writeUInt16BE(v, i * 2));
  return b;
}

function rdataOf(record: DnsRecord): Buffer {
  switch (record.type) {
    case 'A':
      return Buffer.from(record.address.split('.').map(Number));
    case 'AAAA':
      return ipv6Bytes(record.address);
    case 'SRV':
      return Buffer.concat([u16(record.priority, record.weight, record.port), encodeName(record.target)]);
    case 'NAPTR':
      return Buffer.concat([
        u16(record.order, record.preference),
        characterString(record.flags),
        characterString(record.service),
        characterString(record.regexp ?? ''),
        encodeName(record.replacement),
      ]);
  }
}

function encodeRecord(record: DnsRecord): Buffer {
  const rdata = rdataOf(record);
  const fixed = Buffer.alloc(10);
  fixed.writeUInt16BE(TYPES[record.type], 0);
  fixed.writeUInt16BE(1, 2); // IN
  fixed.writeUInt32BE(record.ttl ?? 300, 4);
  fixed.writeUInt16BE(rdata.length, 8);
  return Buffer.concat([encodeName(record.name), fixed, rdata]);
}

function ipv6Bytes(address: string): Buffer {
  if (isIP(address) !== 6) throw new Error(`not an IPv6 address: ${address}`);
  const [head = '', tail = ''] = address.split('::');
  const groups = (s: string) => (s ? s.split(':') : []);
  const missing = 8 - groups(head).length - groups(tail).length;
  const all = address.includes('::') ? [...groups(head), ...Array<string>(missing).fill('0'), ...groups(tail)] : groups(address);
  return u16(...all.map((g) => parseInt(g, 16)));
}
