import type { BulkGroup, HuntGroup, NumberFeatures } from './settings.js';

/** The refusals that are answered with an announcement when an announcement server is configured (docs/product.md §4.7). */
export type AnnouncementReason = 'nuisance' | 'anonymous' | 'internationalBar' | 'outgoingRestriction';

/** How the caller's identity came in (docs/product.md §4.2). */
export type CallerIdentity =
  /** A number we may show. */
  | 'presented'
  /** The caller chose to hide it (From anonymous, Privacy: id/user without a presentable identity). */
  | 'withheld'
  /** The network could not provide it (e.g. calls from abroad). Not withheld. */
  | 'unavailable'
  /** A payphone (cpc=payphone). Not withheld. */
  | 'payphone';

/** RFC 5806 Diversion reasons used by forwarding. */
export type DiversionReason = 'unconditional' | 'user-busy' | 'no-answer' | 'unavailable';

export interface ForwardHop {
  from: string;
  to: string;
  reason: DiversionReason;
}

/**
 * One call as the feature pipeline sees it: plain data, built by the router
 * from the INVITE, the caller's line or peer, and the settings in Redis.
 */
/** A number's groups as calls see them (a group whose option is not subscribed is null). */
export interface CalledGroups {
  hunt: HuntGroup | null;
  bulk: BulkGroup | null;
  /** A started bulk group's frozen slot-5 destination: null for none, absent when nothing was frozen. */
  bulkDestination?: string | null;
}

export interface CallContext {
  callId: string;
  /** The caller's number in national format, when known (even if withheld: we still know it for our own lines). */
  callerNumber?: string;
  callerIdentity: CallerIdentity;
  /** A trusted peer asserted a payphone caller (`cpc=payphone` in its PAI); never set for our lines' calls. */
  callerPayphone?: true;
  /** Features of the calling number when the caller is one of our lines (originating side), else undefined. */
  callerFeatures?: NumberFeatures;
  /** The number currently being called (national, or 010… international, or an emergency code). */
  calledNumber: string;
  /** Features of the called number when it is ours (terminating side), else undefined. */
  calledFeatures?: NumberFeatures;
  /**
   * The called number's hunt and bulk groups, read with its settings in one
   * round trip (src/store/feature-store.ts callSettings); absent: the stages look them up.
   */
  calledGroups?: CalledGroups;
  /** True when the called number is one of ours. */
  calledIsOurs: boolean;
  /** Forwards already made on this call, oldest first. */
  forwards: ForwardHop[];
  /** Call time, for schedules and monthly counters. */
  now: Date;
}

/** What a pipeline stage says about a call (docs/architecture.md: continue, reject or retarget). */
export type StageResult =
  | { kind: 'continue' }
  | {
      kind: 'reject';
      status: number;
      reason: string;
      /** e.g. a Call-Info hint for the upstream */
      headers?: Array<[string, string]>;
      /** The announcement the call is answered with instead, when an announcement server is configured (§4.7). */
      announcement?: AnnouncementReason;
    }
  /** Offer the call to these numbers instead, in order (one for a forward, several for a hunt group). */
  | { kind: 'retarget'; targets: string[]; why: 'forward' | 'hunt'; diversion?: DiversionReason };

/** How an offer to the called number's line failed (docs/product.md §4.4): busy, rang past the ring time, unreachable, or refused otherwise (e.g. 603). */
export type OfferFailure = 'busy' | 'no-answer' | 'unreachable' | 'rejected';

/**
 * What a stage says once the offer to the line has failed: the failure stands
 * (`continue`; `refused` names why the stage would have acted but may not),
 * or it rejects the call or forwards it instead.
 */
export type AfterOfferResult =
  | { kind: 'continue'; refused?: string }
  | { kind: 'reject'; status: number; reason: string; headers?: Array<[string, string]> }
  | { kind: 'retarget'; targets: [string]; why: 'forward'; diversion: DiversionReason };

export interface Stage {
  readonly name: string;
  /** Before any offer: continue, reject or retarget the call. */
  run(call: CallContext): StageResult | Promise<StageResult>;
  /** How long the called line may ring before the stage wants the offer ended (ms); undefined: ring on. */
  ringTime?(call: CallContext): Promise<number | undefined>;
  /** After the offer to the called line failed. */
  afterOffer?(call: CallContext, failure: OfferFailure): Promise<AfterOfferResult>;
}
