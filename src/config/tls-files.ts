import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ListenSpec } from '../core/server/sip-transports.js';
import type { Config } from './schema.js';

/** The certificate and key of the tls/wss listeners as read from their files, PEM; `ca`: more CAs to trust. */
export interface TlsPem {
  cert: Buffer;
  key: Buffer;
  ca?: Buffer;
}

/**
 * Reads and checks `sip.tls` at start (RFC 3261 §26.2.1: the server proves
 * who it is with this certificate): both files readable, the certificate and
 * the private key PEM, and the key the certificate's own. Each problem names
 * its field; a node never starts with a TLS listener it cannot serve.
 */
export function readTlsFiles(tls: { certFile: string; keyFile: string; caFile?: string | undefined }): { pem: TlsPem } | { issues: string[] } {
  const issues: string[] = [];
  const read = (field: string, file: string): Buffer | undefined => {
    try {
      return readFileSync(file);
    } catch (err) {
      issues.push(`sip.tls.${field}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
      return undefined;
    }
  };
  const cert = read('certFile', tls.certFile);
  const key = read('keyFile', tls.keyFile);
  let x509: X509Certificate | undefined;
  let privateKey: KeyObject | undefined;
  if (cert) {
    try {
      if (!cert.includes('-----BEGIN CERTIFICATE-----')) throw new Error('no PEM certificate block');
      x509 = new X509Certificate(cert);
    } catch {
      issues.push(`sip.tls.certFile: ${tls.certFile} is not a PEM certificate`);
    }
  }
  if (key) {
    try {
      if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(key.toString('latin1'))) throw new Error('no PEM key block');
      privateKey = createPrivateKey(key);
    } catch {
      issues.push(`sip.tls.keyFile: ${tls.keyFile} is not a PEM private key (unencrypted)`);
    }
  }
  if (x509 && privateKey && !x509.checkPrivateKey(privateKey)) {
    issues.push(`sip.tls.keyFile: ${tls.keyFile} is not the key of the certificate in sip.tls.certFile`);
  }
  const ca = tls.caFile ? read('caFile', tls.caFile) : undefined;
  if (ca) {
    try {
      if (!ca.includes('-----BEGIN CERTIFICATE-----')) throw new Error('no PEM certificate block');
      new X509Certificate(ca);
    } catch {
      issues.push(`sip.tls.caFile: ${tls.caFile} is not a PEM certificate`);
    }
  }
  return issues.length > 0 || !cert || !key ? { issues } : { pem: { cert, key, ...(ca ? { ca } : {}) } };
}

/**
 * The listen entries as the SIP server takes them: tls and wss ones carry the
 * certificate and key of `sip.tls` (already checked by loadConfig; a file
 * gone since then stops the start here, naming its field).
 */
export function listenSpecs(sip: Pick<Config['sip'], 'listen' | 'tls'>): ListenSpec[] {
  const secure = sip.listen.some((l) => l.transport === 'tls' || l.transport === 'wss');
  if (!secure || !sip.tls) return sip.listen;
  const read = readTlsFiles(sip.tls);
  if ('issues' in read) throw new Error(read.issues.join('; '));
  const { ca, ...credentials } = read.pem;
  const verifyPeer = sip.tls.verifyPeer;
  return sip.listen.map((l) =>
    l.transport === 'tls' || l.transport === 'wss' ? { ...l, credentials, verifyPeer, ...(ca && l.transport === 'tls' ? { trustedCa: ca } : {}) } : l,
  );
}
