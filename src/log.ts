import { pino, type Logger, type LoggerOptions } from 'pino';

/**
 * Paths that may carry secrets. Code never logs these on purpose; the
 * redaction is the net under that rule, not the rule itself.
 */
const REDACT = [
  'password',
  '*.password',
  'ha1',
  '*.ha1',
  'ha1Md5',
  '*.ha1Md5',
  'ha1Sha256',
  '*.ha1Sha256',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'headers["proxy-authorization"]',
  'secret',
  '*.secret',
  'nonceSecret',
  '*.nonceSecret',
];

export type Log = Logger;

/** `fields`: more fields every line carries, e.g. `worker` (0 for the primary, 1..N for the workers of a node). */
export function createLogger(level: string, destination?: pino.DestinationStream, fields: Record<string, string | number> = {}): Log {
  const options: LoggerOptions = {
    level,
    base: { pid: process.pid, ...fields },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: REDACT, censor: '[redacted]' },
  };
  return destination ? pino(options, destination) : pino(options);
}
