import { Writable } from 'node:stream';
import { createLogger, type Log } from '../../src/log.js';

/** A logger whose lines are kept, parsed, in `lines`, for a test to read. */
export function capturedLog(level = 'debug'): { log: Log; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const log = createLogger(
    level,
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    }),
  );
  return { log, lines };
}
