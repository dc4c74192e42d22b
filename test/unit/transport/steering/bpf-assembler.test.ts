import t from 'tap';
import { BpfAssembler } from '../../../../src/core/transport/steering/bpf-assembler.js';

/** Instructions as the kernel reads them (8 bytes: opcode, dst | src << 4, offset, immediate), and jumps to labels. */
const words = (code: Buffer): string[] => Array.from({ length: code.length / 8 }, (_, i) => code.subarray(i * 8, i * 8 + 8).toString('hex'));

t.test('each instruction is encoded as the kernel defines it', async (t) => {
  const a = new BpfAssembler()
    .alu64('MOV', 7, 0) // BPF_ALU64 | BPF_MOV | BPF_K
    .alu64Reg('MOV', 6, 1) // BPF_ALU64 | BPF_MOV | BPF_X, src 1
    .alu32('MUL', 9, 0x85ebca6b) // BPF_ALU | BPF_MUL | BPF_K, imm as a signed 32-bit value
    .loadWord(1, 6, 0) // BPF_LDX | BPF_W | BPF_MEM
    .loadByte(3, 1, 4) // BPF_LDX | BPF_B | BPF_MEM, offset 4
    .loadPacketByteAt(7) // BPF_LD | BPF_B | BPF_IND, src 7
    .mapValueAddress(1, 9, 16) // BPF_LD | BPF_DW | BPF_IMM, src BPF_PSEUDO_MAP_VALUE, then the offset
    .exit();
  t.same(words(a.assemble()), [
    'b707000000000000',
    'bf16000000000000',
    '24090000' + '6bcaeb85',
    '6161000000000000',
    '7113040000000000',
    '5070000000000000',
    '1821000009000000',
    '0000000010000000',
    '9500000000000000',
  ]);
});

t.test('jumps go to their labels, forwards and backwards, counted from the next instruction', async (t) => {
  const a = new BpfAssembler()
    .label('top')
    .jump('JGE', 7, 1400, 'out')
    .jumpReg('JGE', 7, 1, 'out')
    .goto('top')
    .jump('JSET', 3, 0xc0, 'top')
    .label('out')
    .exit();
  t.same(words(a.assemble()), ['35070300' + '78050000', '3d17020000000000', '0500fdff00000000', '4503fcff' + 'c0000000', '9500000000000000']);
});

t.test('a label used but never defined, or defined twice, is an error', async (t) => {
  t.throws(() => new BpfAssembler().goto('nowhere').assemble(), /undefined label nowhere/);
  t.throws(() => new BpfAssembler().label('x').label('x'), /label x defined twice/);
});
