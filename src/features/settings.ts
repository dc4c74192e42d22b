/**
 * Feature settings, per number unless noted (docs/product.md §4–5). Plain data: stored in
 * Redis as JSON by the provisioning command (later the management API), read
 * on every call, validated at the edge (provisioning), trusted inside.
 */

/** Which forwarding triggers fire and where to. Unconditional excludes the others (docs/product.md §4.4). */
export interface ForwardingPattern {
  enabled: boolean;
  unconditional: boolean;
  busy: boolean;
  noAnswer: boolean;
  unreachable: boolean;
  /** Ring time before no-answer forwarding, 5–30 s. */
  ringTime: number;
  /** Which stored destination (1–5) is active. */
  active: 1 | 2 | 3 | 4 | 5;
}

export interface ScheduleEntry {
  /** Days of week, 0 = Sunday … 6 = Saturday. */
  days: number[];
  /** "HH:MM" in the service time zone; `to` exclusive; from > to spans midnight. */
  from: string;
  to: string;
  pattern: ForwardingPattern;
}

export interface ForwardingSettings extends ForwardingPattern {
  /**
   * Up to 5 stored destinations (national, 010… international, or `voicemail`),
   * index 0 = slot 1; for a member of a bulk group slot 5 is for bulk forwarding.
   */
  destinations: Array<string | null>;
  /** Weekly schedule: the first matching entry's pattern replaces the base pattern. */
  schedule: ScheduleEntry[];
}

export interface NumberFeatures {
  number: string;
  /** Nuisance-call blocking: caller numbers (national format) rejected; ≤ 30. */
  blockedCallers: string[];
  /** Announcement URI instead of 603 for a blocked caller. */
  blockAnnouncementUri?: string;
  anonymousRejection: boolean;
  internationalBar: boolean;
  /** Basic numbers only: refuse every outgoing call but emergency calls. */
  outgoingRestriction: boolean;
  /** Default caller-ID presentation for outgoing calls. */
  presentation: 'present' | 'withhold';
  /** Present this toll-free number (0120/0800/0570…) instead of our own, when enabled. */
  specificPresentation?: { number: string; enabled: boolean };
  forwarding: ForwardingSettings;
  /**
   * May forward to toll-free / navi-dial numbers (0120 / 0800 / 0570): an
   * option the number subscribes to (docs/product.md §4.4); default off.
   */
  tollFreeForwarding: boolean;
}

export type BulkState = 'stopped' | 'starting' | 'started' | 'stopping';

/** Bulk forwarding group (docs/product.md §4.4): while started, each member forwards unconditionally to its slot 5. */
export interface BulkGroup {
  id: string;
  siteId: string;
  name: string;
  state: BulkState;
  members: string[];
}

/** Hunt group (docs/product.md §4.5): basic numbers of one site. */
export interface HuntGroup {
  id: string;
  siteId: string;
  pilot: string;
  /** Ordered members (the pilot is not repeated here). */
  members: string[];
  mode: 'sequential' | 'round-robin';
  /** What members present on outgoing calls. */
  presentation: 'pilot' | 'own';
}

/** Destinations that are not our numbers leave through outbound routes, chosen by longest prefix. */
export interface OutboundRoute {
  name: string;
  /** Digits the national/international number starts with ('' matches everything). */
  prefix: string;
  /** Where to send: host[:port] of an interconnect peer, e.g. "127.0.0.1:5070" or "sip.carrier.example" (RFC 3263). */
  target: string;
  /** Absent: a DNS name without port is located by NAPTR/SRV (RFC 3263), anything else over UDP. */
  transport?: RouteTransport;
  /** Routes of one prefix are tried lowest priority first (default 1); the file order breaks ties. */
  priority?: number;
  /** Routes of one prefix and priority share calls by weight (RFC 2782) when any of them gives one. */
  weight?: number;
}

export type RouteTransport = 'udp' | 'tcp';

/**
 * Where emergency calls (110/118/119) from an area go (docs/product.md §5):
 * the route whose area code is the longest prefix of the caller's geographic
 * number. An area no route lists has no emergency service.
 */
export interface EmergencyRoute {
  name: string;
  /** Area codes with the leading 0 ("03", "011", "0123"); each in at most one route. */
  areaCodes: string[];
  target: string;
  transport?: RouteTransport;
}

/** The service's voice-mail platform (docs/product.md §4.4): a peer that takes forwards to `voicemail`. */
export interface VoicemailRoute {
  name: string;
  target: string;
  transport?: RouteTransport;
}

/** Interconnect peer trusted by address: calls from it are terminating calls. */
export interface Peer {
  name: string;
  addresses: string[];
  /** DNS names whose A/AAAA addresses are trusted too, resolved and refreshed by each node (their TTL). */
  hosts?: string[];
}

export function defaultFeatures(number: string): NumberFeatures {
  return {
    number,
    blockedCallers: [],
    anonymousRejection: false,
    internationalBar: false,
    outgoingRestriction: false,
    presentation: 'present',
    tollFreeForwarding: false,
    forwarding: {
      enabled: false,
      unconditional: false,
      busy: false,
      noAnswer: false,
      unreachable: false,
      ringTime: 15,
      active: 1,
      destinations: [null, null, null, null, null],
      schedule: [],
    },
  };
}
