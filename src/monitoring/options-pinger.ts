import { randomBytes } from 'node:crypto';
import { Headers, SipRequest } from '../core/messages/index.js';
import type { SipServer } from '../core/server/sip-server.js';
import { ownBranch } from '../core/server/worker-dispatch.js';
import type { Destination, TransportName } from '../core/transport/transport.js';
import type { PingResult } from './health.js';

export interface OptionsPingerDeps {
  /** `worker`: several workers share the port; the branch names this one, so the answer comes back here. */
  sip: Pick<SipServer, 'startClientTransaction'> & { readonly worker?: number | undefined };
  /** Our Via sent-by ("host:port") on a transport. */
  sentBy(transport: TransportName): string;
  /** Our SIP domain, for the From URI. */
  domain: string;
  /** ms to wait for a final response before counting a failure. */
  timeoutMs: number;
}

/**
 * Sends one OPTIONS (RFC 3261 §11) as a non-INVITE client transaction of our
 * own SIP core and reports its final status, or why none came within the
 * timeout. The transaction retransmits over UDP (Timer E) until a final
 * answer or Timer F, as RFC 3261 §17.1.2 has it.
 */
export class OptionsPinger {
  constructor(private readonly deps: OptionsPingerDeps) {}

  ping(destination: Destination): Promise<PingResult> {
    const { sip, timeoutMs } = this.deps;
    const branch = ownBranch(sip.worker, `-ping.${randomBytes(8).toString('hex')}`);
    const request = this.request(destination, branch);
    return new Promise((resolve) => {
      let done = false;
      const finish = (result: PingResult): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        resolve(result);
      };
      // The transaction is left to run to Timer F: a late answer is absorbed by it, not taken for a stray response.
      const timer = setTimeout(() => finish({ error: 'timeout' }), timeoutMs);
      try {
        sip.startClientTransaction(request, branch, destination, {
          onResponse: (response) => {
            if (response.status >= 200) finish({ status: response.status });
          },
          onTimeout: () => finish({ error: 'timeout' }),
        });
      } catch (err) {
        finish({ error: err instanceof Error ? err.message : String(err) });
      }
    });
  }

  private request(destination: Destination, branch: string): SipRequest {
    const host = destination.address.includes(':') ? `[${destination.address}]` : destination.address;
    const transportParam = destination.transport === 'UDP' ? '' : `;transport=${destination.transport.toLowerCase()}`;
    const uri = `sip:${host}:${destination.port}${transportParam}`;
    const headers = new Headers([
      ['Via', `SIP/2.0/${destination.transport} ${this.deps.sentBy(destination.transport)};branch=${branch};rport`],
      ['Max-Forwards', '70'],
      ['From', `<sip:monitor@${this.deps.domain}>;tag=${randomBytes(6).toString('hex')}`],
      ['To', `<${uri}>`],
      ['Call-ID', `${randomBytes(12).toString('hex')}@${this.deps.domain}`],
      ['CSeq', '1 OPTIONS'],
      ['Accept', 'application/sdp'],
      ['Content-Length', '0'],
    ]);
    return new SipRequest('OPTIONS', uri, headers);
  }
}
