import { createServer, type IncomingHttpHeaders } from 'node:http';

/** One POST the receiver got, and the status it answered. */
export interface WebhookDelivery {
  headers: IncomingHttpHeaders;
  raw: string;
  body: Record<string, unknown>;
  answered: number;
}

/**
 * A webhook receiver on 127.0.0.1: answers each POST with the next status of
 * `script` (200 once the script is over) and keeps what it got.
 */
export async function startWebhookReceiver(script: number[]): Promise<{
  url: string;
  deliveries: WebhookDelivery[];
  /** The first delivery matching `where`, waited for (bounded). */
  waitFor(where: (d: WebhookDelivery) => boolean, timeoutMs?: number): Promise<WebhookDelivery>;
  close(): Promise<void>;
}> {
  const deliveries: WebhookDelivery[] = [];
  const server = createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (raw += chunk));
    req.on('end', () => {
      const answered = script.shift() ?? 200;
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(raw) as Record<string, unknown>;
      } catch {
        // kept as raw; the test sees an empty body
      }
      deliveries.push({ headers: req.headers, raw, body, answered });
      res.statusCode = answered;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/hooks/softswitch`,
    deliveries,
    async waitFor(where, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = deliveries.find((d) => d.answered < 300 && where(d));
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no matching webhook delivery within ${timeoutMs} ms; got ${JSON.stringify(deliveries.map((d) => d.body))}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
