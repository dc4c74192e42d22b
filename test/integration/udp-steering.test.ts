import dgram from 'node:dgram';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { BpfAssembler } from '../../src/core/transport/steering/bpf-assembler.js';
import { attachSteering } from '../../src/core/transport/steering/attach.js';
import { dialogSteeringProgram, NO_CHOICE, steeredIndex, steeringTable } from '../../src/core/transport/steering/dialog-steering.js';

/**
 * The steering program in the kernel: three sockets share a port with
 * SO_REUSEPORT, as workers do, and the program is attached to their group.
 * Every datagram must reach the socket the JavaScript model of the program
 * (steeredIndex, unit-tested on its own) names: the socket is the index in
 * the order the sockets joined the group.
 */
const SOCKETS = 3;

interface Group {
  port: number;
  sockets: dgram.Socket[];
  received: Buffer[][];
  close(): void;
}

async function group(count: number): Promise<Group> {
  const sockets: dgram.Socket[] = [];
  const received: Buffer[][] = [];
  let port = 0;
  for (let i = 0; i < count; i++) {
    const socket = dgram.createSocket({ type: 'udp4', reusePort: true });
    await new Promise<void>((resolve) => socket.bind({ port, address: '127.0.0.1', exclusive: true }, resolve));
    port = socket.address().port;
    const mine: Buffer[] = [];
    socket.on('message', (data) => mine.push(data));
    sockets.push(socket);
    received.push(mine);
  }
  return { port, sockets, received, close: () => sockets.forEach((s) => s.close()) };
}

async function deliver(g: Group, messages: string[]): Promise<void> {
  const sender = dgram.createSocket('udp4');
  for (const m of messages) sender.send(m, g.port, '127.0.0.1');
  const deadline = Date.now() + 3000;
  while (g.received.reduce((n, r) => n + r.length, 0) < messages.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  sender.close();
}

const invite = (callId: string): string =>
  `INVITE sip:1@x SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK1\r\nCall-ID: ${callId}\r\nCSeq: 1 INVITE\r\n\r\n`;
const answer = (callId: string): string => `SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK1\r\ni: ${callId}\r\nCSeq: 1 INVITE\r\n\r\n`;
const register = (line: number, callId: string): string => `REGISTER sip:x SIP/2.0\r\nTo: <sip:${line}@x>\r\nCall-ID: ${callId}\r\n\r\n`;

t.test('the kernel gives each datagram to the socket the model names', async (t) => {
  const g = await group(SOCKETS);
  t.teardown(() => g.close());
  t.equal(await attachSteering(g.sockets[1]!, dialogSteeringProgram(SOCKETS), steeringTable()), null, 'attached (through any socket of the group)');
  const messages: string[] = [];
  for (let i = 0; i < 30; i++) messages.push(invite(`call-${i}@host`), answer(`call-${i}@host`), register(i % 10, `reg-${i}`));
  await deliver(g, messages);
  let checked = 0;
  for (const [socket, got] of g.received.entries()) {
    for (const data of got) {
      t.equal(steeredIndex(data, SOCKETS), socket, data.toString('latin1').split('\r\n')[0] ?? '');
      checked++;
    }
  }
  t.equal(checked, messages.length, 'every datagram arrived');
  t.ok(
    g.received.every((r) => r.length > 0),
    `every socket got some (${g.received.map((r) => r.length).join(', ')})`,
  );
});

t.test('with fewer sockets than workers, or no header, the kernel hashes the source: nothing is lost', async (t) => {
  const g = await group(2);
  t.teardown(() => g.close());
  // Made for 4 workers while only 2 are in the group (one starting, one restarting).
  t.equal(await attachSteering(g.sockets[0]!, dialogSteeringProgram(4), steeringTable()), null);
  const messages = Array.from({ length: 20 }, (_, i) => invite(`early-${i}@host`));
  messages.push('OPTIONS sip:x SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK2\r\n\r\n');
  t.equal(steeredIndex(Buffer.from(messages.at(-1)!), 2), NO_CHOICE);
  await deliver(g, messages);
  t.equal(g.received.flat().length, messages.length, 'every datagram reached a socket');
});

t.test('a program the kernel refuses, or no python3: the reason, and the group goes on by source', async (t) => {
  const g = await group(2);
  t.teardown(() => g.close());
  const unreadable = new BpfAssembler().alu64Reg('MOV', 0, 5).exit().assemble(); // reads r5 before writing it
  const refused = await attachSteering(g.sockets[0]!, unreadable, steeringTable());
  t.match(refused, /^bpf\(BPF_PROG_LOAD\): Permission denied; .*R5 !read_ok/s, 'the verifier says why');
  t.match(await attachSteering(g.sockets[0]!, dialogSteeringProgram(2), steeringTable(), '/nonexistent/python3'), /^\/nonexistent\/python3: spawn .* ENOENT/);
  await deliver(g, [invite('a@b'), invite('c@d')]);
  t.equal(g.received.flat().length, 2, 'datagrams still arrive');
});

t.test('python3 behind a wrapper (as pyenv installs it): the wrapper runs once, to name the interpreter', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'steer-python-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const calls = join(dir, 'calls');
  const wrapper = join(dir, 'python3');
  await writeFile(wrapper, `#!/bin/sh\necho run >> '${calls}'\nexec python3 "$@"\n`);
  await chmod(wrapper, 0o755);
  const g = await group(2);
  t.teardown(() => g.close());
  for (let i = 0; i < 3; i++) t.equal(await attachSteering(g.sockets[i % 2]!, dialogSteeringProgram(2), steeringTable(), wrapper), null, `attach ${i + 1}`);
  t.equal((await readFile(calls, 'utf8')).trim().split('\n').length, 1, 'three attaches, one run of the wrapper');
  await deliver(g, [invite('a@b'), invite('c@d'), invite('e@f')]);
  for (const [socket, got] of g.received.entries()) for (const data of got) t.equal(steeredIndex(data, 2), socket, 'steered by the program');
});
