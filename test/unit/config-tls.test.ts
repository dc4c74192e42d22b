import { join } from 'node:path';
import t, { type Test } from 'tap';
import { loadConfig } from '../../src/config/load.js';
import { issuesOf } from '../helpers/config-file.js';
import { listenSpecs } from '../../src/config/tls-files.js';
import { selfSignedCertificate, writeBeside } from '../helpers/tls-cert.js';

/** Config checks of the tls and wss listeners: their certificate and key are read and checked at start, each problem named. */
const cert = selfSignedCertificate();
const other = selfSignedCertificate('other.test');

function load(t: Test, lines: string[], env: NodeJS.ProcessEnv = {}) {
  const dir = t.testdir({ 'config.yaml': ['sip:', ...lines, ''].join('\n') });
  return loadConfig({ file: join(dir, 'config.yaml'), env });
}

const LISTEN = [
  '  listen:',
  '    - { transport: udp, address: 127.0.0.1, port: 5070 }',
  '    - { transport: tls, address: 127.0.0.1 }',
  '    - { transport: wss, address: 127.0.0.1, port: 8443 }',
];
const tlsSection = (certFile: string, keyFile: string): string[] => ['  tls:', `    certFile: ${certFile}`, `    keyFile: ${keyFile}`];

t.test('tls and wss listeners load with a good pair: tls on 5061 by default, SIP_PORT leaves both alone', async (t) => {
  const c = load(t, [...LISTEN, ...tlsSection(cert.certFile, cert.keyFile)], { SIP_PORT: '5080' });
  t.same(
    c.sip.listen.map((l) => `${l.transport} ${l.port}`),
    ['udp 5080', 'tls 5061', 'wss 8443'],
  );
  t.equal(c.sip.tls?.verifyPeer, true, 'outgoing TLS checks the peer by default');
  const specs = listenSpecs(c.sip);
  t.equal(specs[0]!.credentials, undefined, 'udp gets no credentials');
  t.match(specs[1]!.credentials?.cert.toString(), /BEGIN CERTIFICATE/, 'tls presents the certificate');
  t.match(specs[2]!.credentials?.key.toString(), /PRIVATE KEY/, 'wss has the key');
});

t.test('a tls or wss listener without sip.tls is refused, naming the field', async (t) => {
  t.same(
    issuesOf(t, () => load(t, LISTEN)),
    ['sip.tls: required by sip.listen[1] (tls): certFile and keyFile'],
  );
});

t.test('a missing or unreadable file is refused, naming the field', async (t) => {
  const missing = join(cert.dir, 'no-such-key.pem');
  const issues = issuesOf(t, () => load(t, [...LISTEN, ...tlsSection(cert.certFile, missing)]));
  t.same(issues, [`sip.tls.keyFile: cannot read ${missing} (ENOENT)`]);
  const dirAsCert = issuesOf(t, () => load(t, [...LISTEN, ...tlsSection(cert.dir, cert.keyFile)]));
  t.same(dirAsCert, [`sip.tls.certFile: cannot read ${cert.dir} (EISDIR)`]);
});

t.test('bad PEM and a key that is not the certificate’s are refused, naming the field', async (t) => {
  const garbage = writeBeside(cert, 'garbage.pem', 'not a certificate\n');
  const truncated = writeBeside(cert, 'truncated.pem', '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
  t.same(
    issuesOf(t, () => load(t, [...LISTEN, ...tlsSection(garbage, cert.keyFile)])),
    [`sip.tls.certFile: ${garbage} is not a PEM certificate`],
  );
  t.same(
    issuesOf(t, () => load(t, [...LISTEN, ...tlsSection(truncated, cert.keyFile)])),
    [`sip.tls.certFile: ${truncated} is not a PEM certificate`],
  );
  t.same(
    issuesOf(t, () => load(t, [...LISTEN, ...tlsSection(cert.certFile, cert.certFile)])),
    [`sip.tls.keyFile: ${cert.certFile} is not a PEM private key (unencrypted)`],
  );
  t.same(
    issuesOf(t, () => load(t, [...LISTEN, ...tlsSection(cert.certFile, other.keyFile)])),
    [`sip.tls.keyFile: ${other.keyFile} is not the key of the certificate in sip.tls.certFile`],
  );
});

t.test('sip.tls with no tls listener is checked too (a typo must not wait for the day it is used)', async (t) => {
  const issues = issuesOf(t, () => load(t, ['  listen:', '    - { transport: udp, address: 127.0.0.1, port: 5070 }', ...tlsSection('nope.pem', cert.keyFile)]));
  t.match(issues, [/^sip\.tls\.certFile: cannot read .*nope\.pem \(ENOENT\)$/]);
});

t.test('sip.tls.caFile: more CAs for outgoing TLS, read and checked like the rest; handed to the tls listener only', async (t) => {
  const c = load(t, [...LISTEN, ...tlsSection(cert.certFile, cert.keyFile), `    caFile: ${other.certFile}`]);
  const specs = listenSpecs(c.sip);
  t.match(specs[1]!.trustedCa?.toString(), /BEGIN CERTIFICATE/, 'tls trusts the extra CA');
  t.equal(specs[2]!.trustedCa, undefined, 'wss never connects out');
  const garbage = writeBeside(cert, 'ca-garbage.pem', 'junk');
  t.same(
    issuesOf(t, () => load(t, [...LISTEN, ...tlsSection(cert.certFile, cert.keyFile), `    caFile: ${garbage}`])),
    [`sip.tls.caFile: ${garbage} is not a PEM certificate`],
  );
});
