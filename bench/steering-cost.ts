// What the kernel spends on the steering program per datagram
// (src/core/transport/steering): BPF_PROG_TEST_RUN runs the loaded program
// many times over one datagram and reports the mean time per run. Prints, for
// a few typical messages and the worst case (no Call-ID in the 1,400 bytes
// scanned), the nanoseconds per datagram and the socket chosen, beside the
// JavaScript model's choice. Needs what steering needs (python3, root or
// CAP_BPF). Run: npm run bench:steering  (node dist/bench/steering-cost.js)
import { spawnSync } from 'node:child_process';
import { LOAD_PROGRAM_PY } from '../src/core/transport/steering/attach.js';
import { dialogSteeringProgram, MAX_SCAN, NO_CHOICE, steeredIndex, steeringTable } from '../src/core/transport/steering/dialog-steering.js';

const WORKERS = 2;
const REPEAT = 200_000;
const CRLF = '\r\n';
const sdp = [
  'v=0',
  'o=- 1 1 IN IP4 127.0.0.1',
  's=-',
  'c=IN IP4 127.0.0.1',
  't=0 0',
  'm=audio 6000 RTP/AVP 0 8 101',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:101 telephone-event/8000',
  '',
].join(CRLF);
const headers = (first: string, lines: string[], body = ''): Buffer =>
  Buffer.from([first, ...lines, `Content-Length: ${body.length}`, '', body].join(CRLF), 'latin1');
const via = 'Via: SIP/2.0/UDP 127.0.0.2:5070;branch=z9hG4bK-1-2-3;rport';
const callId = 'Call-ID: 1-4242@127.0.0.2';

const datagrams: Array<[string, Buffer]> = [
  [
    'INVITE with SDP, Call-ID 6th header',
    headers(
      'INVITE sip:0312345678@softswitch.test SIP/2.0',
      [
        via,
        'Max-Forwards: 70',
        'From: <sip:0311112222@softswitch.test>;tag=42',
        'To: <sip:0312345678@softswitch.test>',
        callId,
        'CSeq: 1 INVITE',
        'Contact: <sip:trunk@127.0.0.2:5070>',
        'Content-Type: application/sdp',
      ],
      sdp,
    ),
  ],
  [
    'its 200 OK, Call-ID after 2 Vias and a Record-Route',
    headers(
      'SIP/2.0 200 OK',
      [via, via, 'Record-Route: <sip:127.0.0.1;lr;ss=abcdefabcdef>', 'From: <sip:a@x>;tag=42', 'To: <sip:b@x>;tag=9', callId, 'CSeq: 1 INVITE'],
      sdp,
    ),
  ],
  [
    'BYE',
    headers('BYE sip:trunk@127.0.0.2:5070 SIP/2.0', [
      via,
      'Route: <sip:127.0.0.1;lr;ss=abcdefabcdef>',
      'From: <sip:b@x>;tag=9',
      'To: <sip:a@x>;tag=42',
      callId,
      'CSeq: 2 BYE',
    ]),
  ],
  [
    'REGISTER (by To, 3rd header)',
    headers('REGISTER sip:softswitch.test SIP/2.0', [
      via,
      'From: <sip:1000@softswitch.test>;tag=7',
      'To: <sip:1000@softswitch.test>',
      callId,
      'CSeq: 3 REGISTER',
      'Contact: <sip:1000@127.0.0.2:5070>',
    ]),
  ],
  ['worst case: no Call-ID in 1,400 bytes', headers('OPTIONS sip:x SIP/2.0', [via, `X-Padding: ${'p'.repeat(MAX_SCAN)}`])],
];

// The test run sees the packet from its network header on: an Ethernet header
// (type IPv4) and the SIP bytes right after it, so the program reads them from
// offset 0 as it does the UDP payload in the reuseport group.
const TIME_PY = `${LOAD_PROGRAM_PY}
for hexed in sys.argv[3:]:
    data = ctypes.create_string_buffer(bytes(12) + b'\\x08\\x00' + bytes.fromhex(hexed))
    attr = struct.pack('<IIIIQQII', fd, 0, len(data) - 1, 0, ctypes.addressof(data), 0, ${REPEAT}, 0)
    buf = ctypes.create_string_buffer(attr + bytes(128 - len(attr)), 128)
    if libc.syscall(321, 10, buf, 128) < 0: fail('bpf(BPF_PROG_TEST_RUN)')  # BPF_PROG_TEST_RUN
    _, retval, _, _, _, _, _, duration = struct.unpack_from('<IIIIQQII', buf.raw)
    print(retval, duration)
`;

const table = steeringTable();
const run = spawnSync(
  'python3',
  ['-c', TIME_PY, dialogSteeringProgram(WORKERS).toString('hex'), table.toString('hex'), ...datagrams.map(([, d]) => d.toString('hex'))],
  { encoding: 'utf8' },
);
if (run.status !== 0) {
  process.stderr.write(`steering-cost: ${run.stderr || run.error?.message}\n`);
  process.exit(1);
}
const results = run.stdout
  .trim()
  .split('\n')
  .map((line) => line.split(' ').map(Number));
const index = (n: number): string => (n === NO_CHOICE ? 'none' : String(n));
console.log(`steering program, ${WORKERS} workers, ${REPEAT} runs per datagram (BPF_PROG_TEST_RUN)`);
console.log('  ns/datagram  bytes  socket (kernel / model)  datagram');
datagrams.forEach(([name, data], i) => {
  const [retval, ns] = results[i] as [number, number];
  console.log(
    `  ${String(ns).padStart(11)}  ${String(data.length).padStart(5)}  ${`${index(retval)} / ${index(steeredIndex(data, WORKERS, table))}`.padEnd(45)}  ${name}`,
  );
});
