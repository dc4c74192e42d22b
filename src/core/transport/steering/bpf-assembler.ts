// A small assembler for the eBPF instructions our socket programs use (the
// kernel's instruction set: include/uapi/linux/bpf.h and bpf_common.h). Each
// instruction is 8 bytes: opcode, dst | src << 4, a signed 16-bit offset and
// a signed 32-bit immediate, little-endian. Jumps name labels; `assemble`
// turns them into offsets.

export type Reg = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10;

/** Instruction classes (low 3 bits of the opcode). */
export const CLASS = { LD: 0x00, LDX: 0x01, ST: 0x02, STX: 0x03, ALU: 0x04, JMP: 0x05, ALU64: 0x07 } as const;
/** ALU operations (high 4 bits). */
export const ALU = { ADD: 0x00, SUB: 0x10, MUL: 0x20, OR: 0x40, AND: 0x50, LSH: 0x60, RSH: 0x70, MOD: 0x90, XOR: 0xa0, MOV: 0xb0 } as const;
/** Jump operations (high 4 bits). */
export const JMP = { JA: 0x00, JEQ: 0x10, JGT: 0x20, JGE: 0x30, JSET: 0x40, JNE: 0x50, EXIT: 0x90, JLT: 0xa0 } as const;
/** Operand source bit: an immediate (K) or a register (X). */
export const SRC = { K: 0x00, X: 0x08 } as const;
/** Memory access sizes and modes. */
export const SIZE = { W: 0x00, B: 0x10, DW: 0x18 } as const;
export const MODE = { IMM: 0x00, ABS: 0x20, IND: 0x40, MEM: 0x60 } as const;
/** ld_imm64's source register when its immediate is a map's fd and the second half an offset in its value. */
export const PSEUDO_MAP_VALUE = 2;

export type AluOp = keyof typeof ALU;
export type JumpOp = Exclude<keyof typeof JMP, 'JA' | 'EXIT'>;

interface Pending {
  code: number;
  dst: Reg;
  src: Reg;
  off: number;
  imm: number;
  /** A jump's target, resolved by assemble(). */
  target?: string;
}

export class BpfAssembler {
  private readonly code: Pending[] = [];
  private readonly labels = new Map<string, number>();

  /** Marks where the next instruction goes. */
  label(name: string): this {
    if (this.labels.has(name)) throw new Error(`label ${name} defined twice`);
    this.labels.set(name, this.code.length);
    return this;
  }

  /** dst = dst op imm, on the low 32 bits (the high ones are cleared). */
  alu32(op: AluOp, dst: Reg, imm: number): this {
    return this.emit(CLASS.ALU | ALU[op] | SRC.K, dst, 0, 0, imm);
  }

  /** dst = dst op src, on the low 32 bits. */
  alu32Reg(op: AluOp, dst: Reg, src: Reg): this {
    return this.emit(CLASS.ALU | ALU[op] | SRC.X, dst, src, 0, 0);
  }

  /** dst = dst op imm, on 64 bits (imm sign-extended). */
  alu64(op: AluOp, dst: Reg, imm: number): this {
    return this.emit(CLASS.ALU64 | ALU[op] | SRC.K, dst, 0, 0, imm);
  }

  /** dst = dst op src, on 64 bits. */
  alu64Reg(op: AluOp, dst: Reg, src: Reg): this {
    return this.emit(CLASS.ALU64 | ALU[op] | SRC.X, dst, src, 0, 0);
  }

  /** dst = *(u32 *)(src + off). */
  loadWord(dst: Reg, src: Reg, off: number): this {
    return this.emit(CLASS.LDX | SIZE.W | MODE.MEM, dst, src, off, 0);
  }

  /** dst = *(u8 *)(src + off). */
  loadByte(dst: Reg, src: Reg, off: number): this {
    return this.emit(CLASS.LDX | SIZE.B | MODE.MEM, dst, src, off, 0);
  }

  /**
   * dst = the address of the value of array map `mapFd` (its only element),
   * plus `offset`. Two instruction slots; the loader, which creates the map,
   * writes its fd into the first.
   */
  mapValueAddress(dst: Reg, mapFd: number, offset = 0): this {
    this.emit(CLASS.LD | SIZE.DW | MODE.IMM, dst, PSEUDO_MAP_VALUE, 0, mapFd);
    return this.emit(0, 0, 0, 0, offset);
  }

  /** r0 = the packet's byte at src + imm (r6 must hold the context; r1–r5 are clobbered). Past the end the program stops, returning 0. */
  loadPacketByteAt(src: Reg, imm = 0): this {
    return this.emit(CLASS.LD | SIZE.B | MODE.IND, 0, src, 0, imm);
  }

  /** if (dst op imm) goto target, unsigned. */
  jump(op: JumpOp, dst: Reg, imm: number, target: string): this {
    return this.emit(CLASS.JMP | JMP[op] | SRC.K, dst, 0, 0, imm, target);
  }

  /** if (dst op src) goto target, unsigned. */
  jumpReg(op: JumpOp, dst: Reg, src: Reg, target: string): this {
    return this.emit(CLASS.JMP | JMP[op] | SRC.X, dst, src, 0, 0, target);
  }

  goto(target: string): this {
    return this.emit(CLASS.JMP | JMP.JA, 0, 0, 0, 0, target);
  }

  exit(): this {
    return this.emit(CLASS.JMP | JMP.EXIT, 0, 0, 0, 0);
  }

  /** The program's bytes, jumps resolved. */
  assemble(): Buffer {
    const out = Buffer.alloc(this.code.length * 8);
    this.code.forEach((insn, at) => {
      let off = insn.off;
      if (insn.target !== undefined) {
        const to = this.labels.get(insn.target);
        if (to === undefined) throw new Error(`jump to undefined label ${insn.target}`);
        off = to - at - 1;
      }
      out[at * 8] = insn.code;
      out[at * 8 + 1] = insn.dst | (insn.src << 4);
      out.writeInt16LE(off, at * 8 + 2);
      out.writeInt32LE(insn.imm | 0, at * 8 + 4);
    });
    return out;
  }

  private emit(code: number, dst: Reg, src: Reg, off: number, imm: number, target?: string): this {
    this.code.push(target === undefined ? { code, dst, src, off, imm } : { code, dst, src, off, imm, target });
    return this;
  }
}
