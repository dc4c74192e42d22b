// Which worker's socket a UDP datagram goes to, decided in the kernel.
//
// Workers share the SIP port with SO_REUSEPORT. By default Linux picks a
// socket by hashing the datagram's source, so one trunk sending from one
// address and port loads one worker, and a call's two legs (caller and
// callee, two sources) often land on different workers, which must then pass
// messages to each other. A program attached to the port's reuseport group
// picks the socket from the message instead:
//
// - a REGISTER by its To header (the address-of-record): a line's
//   registrations meet the same worker and its copy of the line's bindings;
// - every other message by its Call-ID: a proxy keeps the Call-ID on both
//   legs, so a call's requests, their copies, CANCEL, ACK, BYE and the
//   answers from both ends reach the worker that holds the call.
//
// The header is found by a small automaton (`steeringTable`), one byte at a
// time: the start line, then header names without regard to case, long or
// compact (RFC 3261 §7.3.3: i, t), blanks, the colon. The value is hashed
// from its first non-blank byte to the end of the line or a ';', blanks left
// out. The socket is the hash modulo the number of sockets steered among
// (every worker's, or one while a quiet node gathers), counted in the
// order the sockets joined the group. With no such header in the headers
// (within the first MAX_SCAN bytes), the program returns an index past the
// group, and the kernel falls back to its source hash.
//
// Anything that reaches another worker than the one holding its state
// (during a restart, while the group forms) is passed on as before
// (docs/workers.md): the program decides where work is done, never whether.
import { BpfAssembler, type Reg } from './bpf-assembler.js';

/** How far into a datagram the program looks for the header. */
export const MAX_SCAN = 1400;
/** What the program returns when it finds no header: past any socket of the group, so the kernel uses its own hash. */
export const NO_CHOICE = 0xffffffff;

/** The automaton's states; the table has 32 rows of 256 entries, one per state and byte. */
export const enum S {
  /** The first bytes of the start line: "REGISTER " is read by Start and Register1..Register8. */
  Start,
  Register1,
  Register2,
  Register3,
  Register4,
  Register5,
  Register6,
  Register7,
  Register8,
  /** Looking for Call-ID: inside a line, at a line's start, after "c", "ca" ... "call-i", after the name. */
  LineC,
  LineStartC,
  CallId1,
  CallId2,
  CallId3,
  CallId4,
  CallId5,
  CallId6,
  NameEndC,
  /** Looking for To (a REGISTER): inside a line, at a line's start, after "t", after the name. */
  LineT,
  LineStartT,
  To1,
  NameEndT,
  /** After the colon, before the value; in the value. */
  ValueStart,
  Value,
}

const ROWS = 32;
/** Entry bits: the next state, then what to do with this byte. */
const NEXT = 0x1f;
export const HASH_BYTE = 0x20;
export const FOUND = 0x40;
export const NONE = 0x80;

const LF = 0x0a;
const CR = 0x0d;
const isBlank = (b: number): boolean => b === 0x20 || b === 0x09;
const lower = (b: number): number => (b >= 0x41 && b <= 0x5a ? b + 0x20 : b);
const REGISTER_SP = 'REGISTER ';
const CALL_ID = 'call-id';

/** One transition: the entry for `state` reading `byte`. */
function entry(state: S, byte: number): number {
  const c = lower(byte);
  // Inside a line (and on a mismatch anywhere in a name): a line feed starts the next line.
  const line = (lineState: S.LineC | S.LineT): number => (byte === LF ? lineState + 1 : lineState);
  // After a header name: blanks, then the colon; anything else was another header.
  const nameEnd = (self: S, lineState: S.LineC | S.LineT): number => (isBlank(byte) ? self : byte === 0x3a ? S.ValueStart : line(lineState));
  if (state === S.Start || (state >= S.Register1 && state <= S.Register8)) {
    const at = state === S.Start ? 0 : state - S.Register1 + 1;
    if (byte !== REGISTER_SP.charCodeAt(at)) return line(S.LineC);
    return at + 1 === REGISTER_SP.length ? S.LineT : S.Register1 + at;
  }
  switch (state) {
    case S.LineC:
    case S.LineT:
      return line(state);
    case S.LineStartC:
    case S.LineStartT:
      // An empty line ends the headers: the body is not looked at.
      if (byte === CR || byte === LF) return NONE;
      if (state === S.LineStartT) return c === 0x74 ? S.To1 : S.LineT;
      return c === 0x69 ? S.NameEndC : c === 0x63 ? S.CallId1 : S.LineC;
    case S.To1:
      return c === 0x6f ? S.NameEndT : nameEnd(S.NameEndT, S.LineT);
    case S.NameEndC:
      return nameEnd(S.NameEndC, S.LineC);
    case S.NameEndT:
      return nameEnd(S.NameEndT, S.LineT);
    case S.ValueStart:
      // A value folded onto the next line: rare enough to leave to the kernel.
      if (byte === CR || byte === LF) return NONE;
      return isBlank(byte) ? S.ValueStart : S.Value | HASH_BYTE;
    case S.Value:
      if (byte === CR || byte === LF || byte === 0x3b) return FOUND;
      return isBlank(byte) ? S.Value : S.Value | HASH_BYTE;
    default: {
      // CallId1..CallId6: the next character of "call-id".
      const at = state - S.CallId1 + 1;
      if (c !== CALL_ID.charCodeAt(at)) return line(S.LineC);
      return at + 1 === CALL_ID.length ? S.NameEndC : state + 1;
    }
  }
}

/** The automaton as the program reads it: row `state`, column `byte`; rows past the last state are never reached. */
export function steeringTable(): Buffer {
  const table = Buffer.alloc(ROWS * 256, NONE);
  for (let state = S.Start; state <= S.Value; state++) {
    for (let byte = 0; byte < 256; byte++) table[state * 256 + byte] = entry(state, byte);
  }
  return table;
}

/** The hash's last mixing (murmur3's finaliser) and the socket index: what the program computes, in JavaScript. */
export function socketIndex(hash: number, workers: number): number {
  let h = hash >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return ((h ^ (h >>> 16)) >>> 0) % workers;
}

/**
 * The socket the program picks for `payload`, computed the same way in
 * JavaScript: the reference the kernel's choice is tested against (the
 * tests and bench:steering use it; the server does not).
 */
export function steeredIndex(payload: Buffer, workers: number, table = steeringTable()): number {
  let state = S.Start as number;
  const inValue = S.Value as number;
  let hash = 0;
  const end = Math.min(payload.length, MAX_SCAN);
  for (let pos = 0; pos < end; pos++) {
    const byte = payload[pos] as number;
    const e = table[(state & NEXT) * 256 + byte] as number;
    if (e & HASH_BYTE) hash = (Math.imul(hash, 31) + byte) >>> 0;
    state = e & NEXT;
    if (e & FOUND) return socketIndex(hash, workers);
    if (e & NONE) return NO_CHOICE;
  }
  return end === payload.length && state === inValue ? socketIndex(hash, workers) : NO_CHOICE;
}

const CTX: Reg = 6; // the packet context (packet loads need it in r6)
const POS: Reg = 7;
const STATE: Reg = 8;
const HASH: Reg = 9;

/**
 * The program (BPF_PROG_TYPE_SOCKET_FILTER, attached with
 * SO_ATTACH_REUSEPORT_EBPF) running the table held in an array map: returns
 * the index of the socket for a datagram whose UDP payload starts at offset 0
 * and whose length is the context's first word. The map's fd is written into
 * the program by the loader (`mapFd` is a placeholder).
 *
 * The loop has no branch on the bytes read apart from the two that end it,
 * so the kernel's verifier walks it once per position, not once per path.
 */
export function dialogSteeringProgram(workers: number, mapFd = 0): Buffer {
  if (!Number.isInteger(workers) || workers < 1 || workers > 1024) throw new Error(`workers must be an integer from 1 to 1024, not ${workers}`);
  const a = new BpfAssembler();
  a.alu64Reg('MOV', CTX, 1);
  a.alu64('MOV', POS, 0);
  a.alu64('MOV', STATE, S.Start);
  a.alu64('MOV', HASH, 0);

  a.label('loop');
  a.jump('JGE', POS, MAX_SCAN, 'none');
  a.loadWord(1, CTX, 0); // the payload's length
  a.jumpReg('JGE', POS, 1, 'packet-end');
  a.loadPacketByteAt(POS); // r0 = the byte; r1-r5 clobbered
  a.alu64('AND', 0, 0xff); // the verifier does not know a byte load's range
  a.mapValueAddress(1, mapFd);
  a.alu64Reg('MOV', 2, STATE).alu64('AND', 2, NEXT).alu64('LSH', 2, 8).alu64Reg('ADD', 2, 0);
  a.alu64Reg('ADD', 1, 2);
  a.loadByte(3, 1, 0); // r3 = the entry
  // HASH = HASH * 31 + byte when the entry says so, without a branch.
  a.alu32Reg('MOV', 4, 3).alu32('RSH', 4, 5).alu32('AND', 4, 1);
  a.alu32Reg('MOV', 5, HASH).alu32('MUL', 5, 31).alu32Reg('ADD', 5, 0).alu32Reg('SUB', 5, HASH).alu32Reg('MUL', 5, 4);
  a.alu32Reg('ADD', HASH, 5);
  a.alu64Reg('MOV', STATE, 3).alu64('AND', STATE, NEXT);
  a.alu64('ADD', POS, 1);
  a.jump('JSET', 3, FOUND | NONE, 'stop');
  a.goto('loop');

  a.label('stop');
  a.jump('JSET', 3, FOUND, 'found');
  a.goto('none');

  a.label('packet-end');
  a.jump('JEQ', STATE, S.Value, 'found');

  a.label('none');
  a.alu32('MOV', 0, NO_CHOICE);
  a.exit();

  a.label('found');
  a.alu32Reg('MOV', 1, HASH).alu32('RSH', 1, 16).alu32Reg('XOR', HASH, 1);
  a.alu32('MUL', HASH, 0x85ebca6b);
  a.alu32Reg('MOV', 1, HASH).alu32('RSH', 1, 13).alu32Reg('XOR', HASH, 1);
  a.alu32('MUL', HASH, 0xc2b2ae35);
  a.alu32Reg('MOV', 1, HASH).alu32('RSH', 1, 16).alu32Reg('XOR', HASH, 1);
  a.alu32('MOD', HASH, workers);
  a.alu32Reg('MOV', 0, HASH);
  a.exit();
  return a.assemble();
}
