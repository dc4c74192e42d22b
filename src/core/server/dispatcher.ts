import type { Log } from '../../log.js';
import { cancelledInviteKey } from '../transactions/transaction-key.js';
import type { IncomingRequest } from './incoming-request.js';
import { allowHeaderValue, IN_DIALOG_METHODS, KNOWN_METHODS, SUPPORTED_EXTENSIONS, SUPPORTED_URI_SCHEMES } from './methods.js';

export type RequestHandler = (request: IncomingRequest) => void | Promise<void>;

/**
 * The transaction user's front door, Express-style: a handler per method and
 * one for requests inside a dialog. Before a handler runs, the core answers
 * what it can alone (RFC 3261 §8.2): 416 for a URI scheme we do not serve,
 * 420 for a required extension we lack, 405/501 for a method with no handler,
 * 481 for a dialog-only method (BYE...) outside a dialog;
 * CANCEL is answered 200 (or 481 when nothing is pending) and its INVITE 487.
 */
export class Dispatcher {
  private readonly handlers = new Map<string, RequestHandler>();
  /** Requests inside a dialog (To tag present), whatever their method. */
  private inDialogHandler: RequestHandler | undefined;
  /** INVITEs whose handler has not finished, by server transaction key, for CANCEL. */
  private readonly pendingInvites = new Map<string, IncomingRequest>();

  constructor(
    private readonly log: Log,
    /** Asked first when a pending INVITE is CANCELled; true when it will answer the INVITE itself. */
    private readonly onCancel: (invite: IncomingRequest) => boolean,
  ) {}

  on(method: string, handler: RequestHandler): void {
    this.handlers.set(method.toUpperCase(), handler);
  }

  inDialog(handler: RequestHandler): void {
    this.inDialogHandler = handler;
  }

  /** A new request (not a retransmission) with its server transaction; `key` is that transaction's. */
  dispatch(incoming: IncomingRequest, key: string): void {
    const request = incoming.message;
    if (request.method === 'CANCEL') return this.receiveCancel(incoming, key);
    if (!this.passesCoreChecks(incoming)) return;

    const inDialog = this.inDialogHandler && request.method !== 'REGISTER' && request.hasToTag();
    const handler = inDialog ? this.inDialogHandler : this.handlers.get(request.method);
    if (!handler) {
      if (this.inDialogHandler && (IN_DIALOG_METHODS as readonly string[]).includes(request.method)) {
        incoming.respond(481);
      } else if (KNOWN_METHODS.has(request.method)) {
        incoming.respond(405, undefined, [['Allow', this.allow()]]);
      } else {
        incoming.respond(501);
      }
      return;
    }
    if (request.method === 'INVITE') {
      this.pendingInvites.set(key, incoming);
      if (incoming.transaction.state === 'proceeding') incoming.respond(100);
    }
    this.runHandler(handler, incoming, key);
  }

  private runHandler(handler: RequestHandler, incoming: IncomingRequest, key: string): void {
    const fail = (err: unknown): void => {
      this.log.error({ event: 'sip.handler_error', method: incoming.method, callId: incoming.callId, err }, 'request handler failed');
      if (!incoming.answered) incoming.respond(500);
    };
    const done = (): void => {
      if (incoming.method === 'INVITE') this.pendingInvites.delete(key);
    };
    try {
      const result = handler(incoming);
      if (result)
        result.then(done, (err) => {
          done();
          fail(err);
        });
      else done();
    } catch (err) {
      done();
      fail(err);
    }
  }

  /** RFC 3261 §9.2: 200 to the CANCEL, 487 to the INVITE it cancels, 481 when there is none. */
  private receiveCancel(cancel: IncomingRequest, key: string): void {
    const invite = this.pendingInvites.get(cancelledInviteKey(key));
    if (!invite || invite.answered) {
      cancel.respond(481);
      return;
    }
    cancel.respond(200);
    const handledByUser = this.onCancel(invite);
    if (!handledByUser && !invite.answered) invite.respond(487);
  }

  /** RFC 3261 §8.2.2: URI scheme and required extensions. */
  private passesCoreChecks(incoming: IncomingRequest): boolean {
    const uri = incoming.message.requestUri();
    if (!uri || !SUPPORTED_URI_SCHEMES.has(uri.scheme)) {
      incoming.respond(416);
      return false;
    }
    const required = incoming.message.headers.getList('require');
    const unsupported = required.filter((tag) => !SUPPORTED_EXTENSIONS.has(tag.toLowerCase()));
    if (unsupported.length > 0) {
      incoming.respond(420, undefined, [['Unsupported', unsupported.join(', ')]]);
      return false;
    }
    return true;
  }

  /** What this server accepts, for Allow in a 405 and in an OPTIONS answer alike. */
  allow(): string {
    return allowHeaderValue(['ACK', 'CANCEL', ...this.handlers.keys(), ...(this.inDialogHandler ? IN_DIALOG_METHODS : [])]);
  }
}
