import dgram from 'node:dgram';

/**
 * A SIP peer that only answers OPTIONS (200, or the given status), on a
 * loopback address and port: started, stopped (the socket closed, so pings
 * go unanswered) and started again as the test needs.
 */
export class OptionsResponder {
  private socket: dgram.Socket | undefined;
  /** OPTIONS received while running. */
  received = 0;

  constructor(
    readonly address: string,
    readonly port: number,
    private readonly status = 200,
  ) {}

  async start(): Promise<void> {
    const socket = dgram.createSocket('udp4');
    socket.on('message', (data, rinfo) => {
      const text = data.toString('latin1');
      if (!text.startsWith('OPTIONS ')) return;
      this.received++;
      const head = text.split('\r\n\r\n')[0]!.split('\r\n');
      const copy = (name: string) => head.filter((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
      const to = copy('To')[0] ?? 'To: <sip:peer>';
      const lines = [
        `SIP/2.0 ${this.status} ${this.status === 200 ? 'OK' : 'Answer'}`,
        ...copy('Via'),
        ...copy('From'),
        to.includes(';tag=') ? to : `${to};tag=peer1`,
        ...copy('Call-ID'),
        ...copy('CSeq'),
        'Content-Length: 0',
        '',
        '',
      ];
      socket.send(Buffer.from(lines.join('\r\n'), 'latin1'), rinfo.port, rinfo.address);
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(this.port, this.address, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    this.socket = socket;
  }

  async stop(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    if (socket) await new Promise<void>((resolve) => socket.close(() => resolve()));
  }
}
