import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parseMessage, type SipRequest } from '../../src/core/messages/index.js';

/**
 * A full garbage collection, on demand (V8's gc(), reached without --expose-gc
 * on the command line). Twice: a collection leaves its sweeping to helper
 * threads, and until they are done heapUsed still counts the garbage; the
 * second collection finishes the first one's sweeping before it starts. With
 * one, a fresh-clone CI run once read the second arm of detached.test.ts 22
 * bytes a copy lower than every run here (83 against 105), most likely for
 * that reason.
 */
export function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  gc();
}

/**
 * Heap bytes still used, after a full collection, by what `make` returns for
 * 0..count-1 while all of it is kept: how much memory such results hold on to.
 */
export function retainedBytes(count: number, make: (i: number) => unknown): number {
  collectGarbage();
  const before = process.memoryUsage().heapUsed;
  const kept: unknown[] = [];
  for (let i = 0; i < count; i++) kept.push(make(i));
  collectGarbage();
  const after = process.memoryUsage().heapUsed;
  if (kept.length !== count) throw new Error('unreachable: keeps the results alive until measured');
  return after - before;
}

/** A REGISTER padded to about 20 kB, so what keeps its text shows in the heap. */
export function bigRegister(i: number): SipRequest {
  const text = [
    'REGISTER sip:ss.test SIP/2.0',
    `Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-heavy-${i};rport`,
    'Max-Forwards: 70',
    `From: <sip:line${i}@ss.test>;tag=f${i}`,
    `To: <sip:line${i}@ss.test>`,
    `Call-ID: call-${i}-0123456789@192.0.2.1`,
    'CSeq: 1 REGISTER',
    `Contact: <sip:line${i}@192.0.2.1:5060;transport=udp>;+sip.instance="<urn:uuid:00000000-0000-0000-0000-${String(i).padStart(12, '0')}>";reg-id=1`,
    'Path: <sip:edge.example;lr>',
    'User-Agent: Heavy Phone 1.0 (firmware 2.3.4)',
    `X-Padding: ${'x'.repeat(20_000)}`,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
  return parseMessage(Buffer.from(text, 'latin1')) as SipRequest;
}

/** bigRegister()s for one measurement: about 20 MB of text if each is kept. */
export const BIG_COUNT = 1_000;
/** What BIG_COUNT kept results may hold when none keeps its message's text (a few hundred bytes each at most). */
export const BIG_LIMIT = 4_000_000;

/**
 * Buffer memory outside the heap (`arrayBuffers`) after full collections.
 * V8 frees buffer memory beside the program after a collection, so one
 * reading right after gc() can still count buffers already dead: collect and
 * wait a few times, then read.
 */
export async function settledArrayBuffers(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    collectGarbage();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return process.memoryUsage().arrayBuffers;
}
