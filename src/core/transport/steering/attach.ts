// Attaching a steering program to a UDP socket's reuseport group. Node has
// no call for bpf(2) or for this setsockopt, so a short python3 script makes
// both: it inherits the socket as its fd 3, loads the program and attaches
// it (SO_ATTACH_REUSEPORT_EBPF), and exits. The program then belongs to the
// group, whichever socket attached it; attaching again replaces it.
import { execFile, spawn } from 'node:child_process';
import type dgram from 'node:dgram';

/**
 * Loads the program, leaving its fd in \`fd\`: argv[1] is the program in hex,
 * argv[2] the table its array map holds. Creates the map, writes its fd into
 * the program's map loads, loads the program; exits saying why on failure.
 * (bench/steering-cost.ts runs the same, then times the program.)
 */
export const LOAD_PROGRAM_PY = `
import ctypes, os, struct, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
def bpf(cmd, attr):
    buf = ctypes.create_string_buffer(attr + bytes(128 - len(attr)), 128)
    return libc.syscall(321, cmd, buf, 128)  # SYS_bpf on x86_64
def fail(what):
    sys.exit('%s: %s' % (what, os.strerror(ctypes.get_errno())))
prog = bytearray.fromhex(sys.argv[1])
table = ctypes.create_string_buffer(bytes.fromhex(sys.argv[2]), len(sys.argv[2]) // 2)
map_fd = bpf(0, struct.pack('<IIII', 2, 4, len(table), 1))  # BPF_MAP_CREATE: array, 4-byte key, one value
if map_fd < 0: fail('bpf(BPF_MAP_CREATE)')
key = ctypes.c_uint32(0)
if bpf(2, struct.pack('<IIQQQ', map_fd, 0, ctypes.addressof(key), ctypes.addressof(table), 0)) < 0: fail('bpf(BPF_MAP_UPDATE_ELEM)')
for at in range(0, len(prog), 8):
    if prog[at] == 0x18 and prog[at + 1] >> 4 == 2:  # ld_imm64 of a map value: its fd
        struct.pack_into('<i', prog, at + 4, map_fd)
insns = ctypes.create_string_buffer(bytes(prog), len(prog))
lic = ctypes.create_string_buffer(b'GPL')
log = ctypes.create_string_buffer(65536)
def load(log_level):
    # BPF_PROG_LOAD: socket filter, insn_cnt, insns, license, log_level, log_size, log_buf
    return bpf(5, struct.pack('<IIQQIIQ', 1, len(prog) // 8, ctypes.addressof(insns), ctypes.addressof(lic), log_level, len(log) if log_level else 0, ctypes.addressof(log) if log_level else 0))
fd = load(0)
if fd < 0:
    err = os.strerror(ctypes.get_errno())
    load(1)  # again, for the verifier's account (its tail says why)
    sys.exit('bpf(BPF_PROG_LOAD): %s; %s' % (err, log.value.decode(errors='replace')[-400:].strip()))
`;

/** Then attaches it to fd 3. Prints nothing on success. */
const LOADER = `${LOAD_PROGRAM_PY}
if libc.setsockopt(3, 1, 52, ctypes.byref(ctypes.c_int(fd)), 4) != 0: fail('setsockopt(SO_ATTACH_REUSEPORT_EBPF)')  # SOL_SOCKET
`;

/** The socket's file descriptor, from the handle Node keeps under its state symbol; undefined where there is none. */
function socketFd(socket: dgram.Socket): number | undefined {
  for (const symbol of Object.getOwnPropertySymbols(socket)) {
    if (symbol.description !== 'state symbol') continue;
    const state = (socket as unknown as Record<symbol, { handle?: { fd?: unknown } } | undefined>)[symbol];
    const fd = state?.handle?.fd;
    return typeof fd === 'number' && fd >= 0 ? fd : undefined;
  }
  return undefined;
}

/** The loader takes a few tens of milliseconds; past this it is stopped. */
const LOADER_TIMEOUT_MS = 10_000;

/**
 * The interpreter itself, asked once per name: `python3` on PATH may be a
 * wrapper (pyenv's shims are shell scripts), which here made each attach take
 * 300 ms instead of 20, and a spread waits for it. The name itself when it
 * cannot say, so the attach then fails with the usual reason.
 */
const interpreters = new Map<string, Promise<string>>();
function interpreter(python: string): Promise<string> {
  let found = interpreters.get(python);
  if (!found) {
    found = new Promise((resolve) => {
      execFile(python, ['-I', '-S', '-c', 'import sys; sys.stdout.write(sys.executable)'], { timeout: LOADER_TIMEOUT_MS }, (err, stdout) =>
        resolve(!err && stdout.startsWith('/') ? stdout : python),
      );
    });
    interpreters.set(python, found);
  }
  return found;
}

/**
 * Attaches `program`, reading `table` from its array map, to the group of
 * `socket`. Resolves null when attached, or why it could not be.
 */
export function attachSteering(socket: dgram.Socket, program: Buffer, table: Buffer, python = 'python3'): Promise<string | null> {
  if (process.platform !== 'linux' || process.arch !== 'x64') return Promise.resolve(`not supported on ${process.platform}/${process.arch}`);
  return interpreter(python).then((executable) => load(executable, socket, program, table, python));
}

function load(executable: string, socket: dgram.Socket, program: Buffer, table: Buffer, python: string): Promise<string | null> {
  const fd = socketFd(socket);
  if (fd === undefined) return Promise.resolve('the socket has no file descriptor');
  return new Promise((resolve) => {
    // -I -S: no site packages or environment to read first; the loader needs only the standard library.
    const child = spawn(executable, ['-I', '-S', '-c', LOADER, program.toString('hex'), table.toString('hex')], {
      stdio: ['ignore', 'ignore', 'pipe', fd],
      timeout: LOADER_TIMEOUT_MS,
    });
    let why = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (text: string) => (why += text));
    child.on('error', (err) => resolve(`${python}: ${err.message}`));
    child.on('close', (code, signal) => resolve(code === 0 ? null : why.trim() || `the loader ${signal ? `was stopped (${signal})` : `exited with ${code}`}`));
  });
}
