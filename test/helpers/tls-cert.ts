import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { freePort } from './free-port.js';
import { tempDir, type ServerConfig } from './server-process.js';

/** A certificate and its key on disk, PEM, for a test's tls and wss listeners. */
export interface TestCertificate {
  certFile: string;
  keyFile: string;
  dir: string;
}

/**
 * A fresh self-signed EC (P-256) certificate for `127.0.0.1` and `localhost`,
 * made by openssl in a temp directory removed when the test process exits.
 * Clients in tests connect with certificate checks off (or trust this one).
 */
export function selfSignedCertificate(commonName = 'softswitch.test'): TestCertificate {
  const dir = tempDir('ss-tls-');
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  const result = spawnSync(
    '/usr/bin/openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '2',
      '-subj',
      `/CN=${commonName}`,
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ],
    { encoding: 'utf8', timeout: 20_000 },
  );
  if (result.status !== 0) throw new Error(`openssl req failed: ${result.stderr || result.error?.message}`);
  return { certFile, keyFile, dir };
}

/** A file next to the certificate with these contents (a broken PEM, say). */
export function writeBeside(cert: TestCertificate, name: string, contents: string): string {
  const file = join(cert.dir, name);
  writeFileSync(file, contents);
  return file;
}

/** Listeners to add to a test server's config beside its UDP and TCP ones, each on a free port. */
export type ExtraListener = 'tls' | 'ws' | 'wss';

/**
 * Adds tls / ws / wss listeners on 127.0.0.1 to a written server config,
 * with `sip.tls` naming the certificate; returns each listener's port.
 */
export async function addListeners(
  config: ServerConfig,
  cert: TestCertificate,
  transports: ExtraListener[],
  more: { caFile?: string } = {},
): Promise<Record<ExtraListener, number>> {
  const document = parse(readFileSync(config.file, 'utf8')) as { sip: { listen: unknown[]; tls?: unknown } };
  const ports = {} as Record<ExtraListener, number>;
  for (const transport of transports) {
    ports[transport] = await freePort();
    document.sip.listen.push({ transport, address: '127.0.0.1', port: ports[transport] });
  }
  document.sip.tls = { certFile: cert.certFile, keyFile: cert.keyFile, ...more };
  writeFileSync(config.file, stringify(document));
  return ports;
}
