// RFC 4475 torture messages (fixtures in test/fixtures/rfc4475, one .dat per message).
import t from 'tap';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  SipParseError,
  SipRequest,
  SipResponse,
  parseMessage,
  parseVia,
  parseNameAddr,
  parseCSeq,
  parseUri,
  parseContactList,
  parseCredentials,
  unescapeUser,
  uriEquals,
  type SipMessageLike,
} from '../../../src/core/messages/index.js';

// Works from the source tree (tsx) and from dist/ (compiled) alike.
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
const DIR = fixtureDir();
const load = (name: string): Buffer => fs.readFileSync(path.join(DIR, `${name}.dat`));
const utf8 = (s: string): string => Buffer.from(s, 'utf8').toString('latin1');

function req(name: string): SipRequest {
  const m = parseMessage(load(name));
  if (!(m instanceof SipRequest)) throw new Error(`${name}: not a request`);
  return m;
}
function res(name: string): SipResponse {
  const m = parseMessage(load(name));
  if (!(m instanceof SipResponse)) throw new Error(`${name}: not a response`);
  return m;
}
function parseError(name: string): SipParseError {
  try {
    parseMessage(load(name));
  } catch (e) {
    if (e instanceof SipParseError) return e;
    throw e;
  }
  throw new Error(`${name}: parsed, expected SipParseError`);
}

t.test('fixtures are the 49 RFC 4475 messages', async (t) => {
  const files = fs.readdirSync(DIR).filter((f) => f.endsWith('.dat'));
  t.equal(files.length, 49);
  // Body length matches Content-Length where the RFC intends it.
  t.equal(load('mpart01').length, 1290);
});

t.test('3.1.1 valid messages', async (t) => {
  t.test('3.1.1.1 wsinv: short tortuous INVITE', async (t) => {
    const m = req('wsinv');
    const h = m.headers;
    t.equal(m.method, 'INVITE');
    t.equal(m.uri, 'sip:vivekg@chair-dnrc.example.com;unknownparam');
    t.same(parseUri(m.uri)?.params, { unknownparam: null });
    t.equal(h.get('call-id'), 'wsinv.ndaksdj@192.0.2.1');
    t.equal(h.get('Max-Forwards'), '0068');
    t.same(parseCSeq(h.get('cseq') as string), { seq: 9, method: 'INVITE' });
    t.equal(h.get('subject'), '', 'empty Subject via compact s');
    t.equal(h.get('NewFangledHeader'), 'newfangled value continued newfangled value', 'folding undone');
    t.equal(h.get('unknownheaderwithunusualvalue'), ';;,,;;,;');
    const to = parseNameAddr(h.get('to') as string);
    t.equal(to?.uri, 'sip:vivekg@chair-dnrc.example.com');
    t.equal(to?.params['tag'], '1918181833n');
    const from = parseNameAddr(h.get('from') as string);
    t.equal(from?.displayName, 'J Rosenberg \\"');
    t.equal(from?.params['tag'], '98asjd8');
    const vias = h.getAll('via').flatMap((v) => parseVia(v) ?? []);
    t.equal(vias.length, 3);
    t.same(
      vias.map((v) => [v.transport, v.host, v.params['branch']]),
      [
        ['UDP', '192.0.2.2', '390skdjuw'],
        ['TCP', 'spindle.example.com', 'z9hG4bK9ikj8'],
        ['UDP', '192.168.255.111', 'z9hG4bK30239'],
      ],
    );
    const contacts = parseContactList(h.getAll('contact'));
    t.ok(Array.isArray(contacts));
    const c = (contacts as Exclude<typeof contacts, '*' | null>)[0];
    t.equal(c?.displayName, 'Quoted string ""');
    t.same(c?.params, { newparam: 'newvalue', secondparam: null, q: '0.33' });
    t.equal(h.get('route'), '<sip:services.example.com;lr;unknownwith=value;unknown-no-value>');
    t.equal(m.body.length, 150);
  });

  t.test('3.1.1.2 intmeth: wide range of valid characters', async (t) => {
    const m = req('intmeth');
    t.equal(m.method, "!interesting-Method0123456789_*+`.%indeed'~");
    const u = parseUri(m.uri);
    t.equal(u?.user, "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
    t.equal(u?.password, "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)");
    t.equal(u?.host, 'example.com');
    const h = m.headers;
    t.equal(parseVia(h.get('via') as string)?.[0]?.params['branch'], "z9hG4bK-.!%66*_+`'~");
    t.equal(parseNameAddr(h.get('to') as string)?.displayName, 'BEL:\x07 NUL:\x00 DEL:\x7f');
    const from = parseNameAddr(h.get('from') as string);
    t.equal(from?.displayName, "token1~` token2'+_ token3*%!.-");
    t.equal(from?.params["fromparam''~+*_!.-%"], `"${utf8('работающий')}"`);
    t.equal(from?.params['tag'], "_token~1'+`*%!-.");
    t.equal(h.get('call-id'), 'intmeth.word%ZK-!.*_+\'@word`~)(><:\\/"][?}{');
    t.equal(h.get("extensionHeader-!.%*+_`'~"), utf8('\ufeff大停電'));
  });

  t.test('3.1.1.3 esc01: valid use of % escaping', async (t) => {
    const m = req('esc01');
    const u = parseUri(m.uri);
    t.equal(u?.user, 'sips%3Auser%40example.com');
    t.equal(unescapeUser(u?.user ?? ''), 'sips:user@example.com');
    t.equal(m.headers.get('i'), 'esc01.239409asdfakjkn23onasd0-3234');
    t.equal(m.headers.get('content-type'), 'application/sdp', 'compact C');
    const c = parseContactList(m.headers.getAll('contact')) as Array<{ uri: string }>;
    const cu = parseUri(c[0]?.uri ?? '');
    t.equal(unescapeUser(cu?.user ?? ''), 'caller');
    t.ok(uriEquals(cu!, parseUri('sip:caller@host5.example.net;lr;name=value%2541')!), 'escaped params compare equal');
    t.notOk(uriEquals(cu!, parseUri('sip:caller@host5.example.net;lr;name=value%41')!), 'unescaping is single-pass');
  });

  t.test('3.1.1.4 escnull: escaped nulls in URIs', async (t) => {
    const m = req('escnull');
    const to = parseUri(parseNameAddr(m.headers.get('to') as string)?.uri ?? '');
    t.equal(unescapeUser(to?.user ?? ''), 'null-\x00-null');
    const contacts = parseContactList(m.headers.getAll('contact')) as Array<{ uri: string }>;
    t.equal(contacts.length, 2);
    t.equal(unescapeUser(parseUri(contacts[1]!.uri)!.user!), '\x00\x00');
  });

  t.test('3.1.1.5 esc02: % that is not an escape', async (t) => {
    const m = req('esc02');
    t.equal(m.method, 'RE%47IST%45R');
    t.same(parseCSeq(m.headers.get('cseq') as string), { seq: 29344, method: 'RE%47IST%45R' });
    t.equal(parseNameAddr(m.headers.get('to') as string)?.displayName, '%Z%45');
    t.equal(m.headers.getAll('contact').length, 2, 'C%6Fntact is an unknown header');
    t.equal(m.headers.get('C%6Fntact'), '<sip:alias2@host2.example.com>');
    t.equal(parseVia(m.headers.get('via') as string)?.[0]?.params['branch'], 'z9hG4bK209%fzsnel234');
  });

  t.test('3.1.1.6 lwsdisp: no LWS between display name and <', async (t) => {
    const from = parseNameAddr(req('lwsdisp').headers.get('from') as string);
    t.equal(from?.displayName, 'caller');
    t.equal(from?.uri, 'sip:caller@example.com');
    t.equal(from?.params['tag'], '323');
  });

  t.test('3.1.1.7 longreq: long values', async (t) => {
    const m = req('longreq');
    const vias = m.headers.getAll('via');
    t.equal(vias.length, 34);
    t.equal(parseVia(vias[0] as string)?.[0]?.host, 'sip33.example.com');
    t.equal(parseVia(vias[33] as string)?.[0]?.params['received'], '192.0.2.5');
    const to = parseUri(parseNameAddr(m.headers.get('to') as string)!.uri);
    t.equal(to?.port, 6000);
    t.ok(parseNameAddr(m.headers.get('from') as string)?.params['tag']?.startsWith('12982982'));
    t.match(m.headers.get('call-id'), /^longreq\.onereally/);
    t.equal(m.body.length, 150);
  });

  t.test('3.1.1.8 dblreq: extra trailing octets in a UDP datagram', async (t) => {
    const m = req('dblreq');
    t.equal(m.method, 'REGISTER');
    t.equal(m.body.length, 0, 'bytes after Content-Length are ignored');
    t.equal(m.headers.get('call-id'), 'dblreq.0ha0isndaksdj99sdfafnl3lk233412');
  });

  t.test('3.1.1.9 semiuri: semicolon-separated parameters in user part', async (t) => {
    const u = parseUri(req('semiuri').uri);
    t.equal(u?.user, 'user;par=u%40example.net');
    t.equal(u?.host, 'example.com');
    t.same(u?.params, {});
    t.equal(req('semiuri').headers.getList('accept').length, 6, 'folded comma list');
  });

  t.test('3.1.1.10 transports: varied and unknown transports', async (t) => {
    const vias = req('transports')
      .headers.getAll('via')
      .map((v) => parseVia(v)?.[0]?.transport);
    t.same(vias, ['UDP', 'SCTP', 'TLS', 'UNKNOWN', 'TCP']);
  });

  t.test('3.1.1.11 mpart01: multipart body with binary part', async (t) => {
    const m = req('mpart01');
    t.equal(m.body.length, 553);
    t.ok(m.body.includes(Buffer.from([0x30, 0x82, 0x01, 0x52])), 'binary bytes intact');
    t.equal(m.body.subarray(-22).toString('latin1'), '--7a9cbec02ceef655--\r\n');
    t.match(m.headers.get('content-type'), /boundary=7a9cbec02ceef655/);
  });

  t.test('3.1.1.12 unreason: UTF-8 reason phrase', async (t) => {
    const m = res('unreason');
    t.equal(m.status, 200);
    t.equal(Buffer.from(m.reason, 'latin1').toString('utf8'), '= 2**3 * 5**2 но сто девяносто девять - простое');
    t.equal(m.body.length, 154);
  });

  t.test('3.1.1.13 noreason: empty reason phrase', async (t) => {
    const m = res('noreason');
    t.equal(m.status, 100);
    t.equal(m.reason, '');
  });
});

interface Invalid {
  name: string;
  why: string | RegExp;
  answerable: boolean; // SipParseError.request set (a 400/505 can be sent)
}

// 3.1.2: every invalid message is rejected. RFC 4475 expects a 400 for the
// requests (505 for badvers; 501 or 400 for mismatch02 — the caller decides
// from `why`), and the responses (scalarlg, bigcode) are dropped.
const INVALID: Invalid[] = [
  { name: 'badinv01', why: 'malformed Via', answerable: true },
  { name: 'clerr', why: 'Content-Length larger than message', answerable: true },
  { name: 'ncl', why: 'malformed Content-Length', answerable: true },
  { name: 'scalar02', why: 'malformed CSeq', answerable: true },
  { name: 'scalarlg', why: 'malformed CSeq', answerable: false },
  { name: 'quotbal', why: 'malformed To', answerable: true },
  { name: 'ltgtruri', why: 'malformed Request-URI', answerable: true },
  { name: 'lwsruri', why: 'malformed Request-URI', answerable: true },
  { name: 'lwsstart', why: 'malformed Request-URI', answerable: true },
  { name: 'trws', why: 'malformed request line', answerable: true },
  { name: 'escruri', why: 'malformed Request-URI', answerable: true },
  { name: 'baddate', why: 'invalid Date', answerable: true },
  { name: 'regbadct', why: 'malformed Contact', answerable: true },
  { name: 'badaspec', why: 'malformed To', answerable: true },
  { name: 'baddn', why: 'malformed From', answerable: true },
  { name: 'badvers', why: 'unsupported SIP version', answerable: true },
  { name: 'mismatch01', why: 'CSeq method does not match request method', answerable: true },
  { name: 'mismatch02', why: 'CSeq method does not match request method', answerable: true },
  { name: 'bigcode', why: 'malformed status code', answerable: false },
];

t.test('3.1.2 invalid messages are rejected', async (t) => {
  t.equal(INVALID.length, 19);
  for (const c of INVALID) {
    const e = parseError(c.name);
    t.equal(e.why, c.why, `${c.name}: why`);
    t.equal(e.request !== undefined, c.answerable, `${c.name}: request ${c.answerable ? 'set' : 'absent'}`);
  }
  const bv = parseError('badvers').request;
  t.equal(bv?.method, 'OPTIONS');
  t.equal(bv?.headers.get('call-id'), 'badvers.31417@c.example.com', 'enough to build a 505');
  t.equal(parseError('mismatch02').request?.method, 'NEWMETHOD');
});

t.test('3.2.1 badbranch: transaction layer, parses', async (t) => {
  const m = req('badbranch');
  t.equal(parseVia(m.headers.get('via') as string)?.[0]?.params['branch'], 'z9hG4bK');
});

t.test('3.3 application-layer semantics', async (t) => {
  // insuf: no From/To/Call-ID. RFC 4475 says "ideally" 400, but without From,
  // To and Call-ID no meaningful response can be built: dropped (request absent).
  const insuf = parseError('insuf');
  t.equal(insuf.why, 'missing From header');
  t.equal(insuf.request, undefined);

  t.equal(req('unkscm').uri, 'nobodyKnowsThisScheme:totallyopaquecontent', 'unknown scheme: app answers 416');
  t.equal(parseUri(req('unkscm').uri), null);
  t.equal(req('novelsc').uri, 'soap.beep://192.0.2.103:3002');

  const unksm2 = req('unksm2');
  t.equal(parseNameAddr(unksm2.headers.get('to') as string)?.uri, 'isbn:2983792873');
  t.equal(parseNameAddr(unksm2.headers.get('from') as string)?.uri, 'http://www.example.com');
  t.same((parseContactList(unksm2.headers.getAll('contact')) as Array<{ uri: string }>)[0]?.uri, 'name:John_Smith');

  const bext = req('bext01').headers;
  t.same(bext.getList('require'), ['nothingSupportsThis', 'nothingSupportsThisEither']);
  t.same(bext.getList('proxy-require'), ['noProxiesSupportThis', 'norDoAnyProxiesSupportThis']);

  t.equal(req('invut').body.toString('latin1'), '<audio>\r\n <pcmu port="443"/>\r\n</audio>\r\n');

  t.same(parseCredentials(req('regaut01').headers.get('authorization') as string), {
    scheme: 'NoOneKnowsThisScheme',
    params: { 'opaque-data': 'here' },
  });

  // multi01 / mcl01: single-value headers repeated -> 400.
  t.equal(parseError('multi01').why, 'multiple From headers');
  t.ok(parseError('multi01').request);
  t.equal(parseError('mcl01').why, 'conflicting Content-Length headers');

  const bcast = res('bcast');
  t.equal(parseVia(bcast.headers.getAll('via')[1] as string)?.[0]?.host, '255.255.255.255', 'transaction layer drops it');

  t.equal(req('zeromf').headers.get('max-forwards'), '0');

  const cp1 = parseContactList(req('cparam01').headers.getAll('contact')) as Array<{ uri: string; params: object }>;
  t.equal(cp1[0]?.uri, 'sip:+19725552222@gw1.example.net');
  t.same(cp1[0]?.params, { unknownparam: null }, 'addr-spec: params after ; are header params');
  const cp2 = parseContactList(req('cparam02').headers.getAll('contact')) as Array<{ uri: string; params: object }>;
  t.equal(cp2[0]?.uri, 'sip:+19725552222@gw1.example.net;unknownparam');
  t.same(cp2[0]?.params, {});

  const esc = parseContactList(req('regescrt').headers.getAll('m')) as Array<{ uri: string }>;
  t.same(parseUri(esc[0]!.uri)?.headers, { Route: '%3Csip:sip.example.com%3E' }, 'registrar decides what to do with it');

  t.equal(req('sdp01').headers.get('accept'), 'text/nobodyKnowsThis');
});

t.test('3.4.1 inv2543: RFC 2543 syntax is accepted', async (t) => {
  const m = req('inv2543');
  t.equal(m.headers.has('max-forwards'), false);
  t.equal(parseVia(m.headers.get('via') as string)?.[0]?.params['branch'], undefined);
  t.equal(m.body.length, 105, 'no Content-Length: body is the rest of the datagram');
  t.equal(parseNameAddr(m.headers.get('to') as string)?.params['user'], 'phone', 'addr-spec: ;user=phone is a header param');
});

t.test('every valid fixture parses to a message', async (t) => {
  const invalid = new Set([...INVALID.map((c) => c.name), 'insuf', 'multi01', 'mcl01']);
  for (const f of fs.readdirSync(DIR).filter((f) => f.endsWith('.dat'))) {
    const name = f.slice(0, -4);
    if (invalid.has(name)) continue;
    let m: SipMessageLike | undefined;
    t.doesNotThrow(() => {
      m = parseMessage(load(name));
    }, name);
    t.ok(m, name);
  }
});
