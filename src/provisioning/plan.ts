import { computeHa1 } from '../auth/digest.js';
import { encodeFeature, type FeatureField } from '../store/feature-store.js';
import type { OptionName } from '../features/options.js';
import type { BulkGroup, EmergencyRoute, HuntGroup, OutboundRoute, Peer, VoicemailRoute } from '../features/settings.js';
import { normalizeNumber } from '../numbers/national.js';
import type { LineRecord } from '../store/line-store.js';
import { normalizeDestinations, slot5Paths, tollFreeIssues } from './schema-features.js';
import { ALL_AREA_CODES } from './schema-routing.js';
import type { ProvisioningFile } from './schema.js';
import type { Hash } from '../store/provisioning/snapshot.js';

/** What a provisioning file asks for, keyed as in Redis. Pure. */
export interface Desired {
  voiceGroups: Map<string, Hash>;
  sites: Map<string, Hash>;
  lines: Map<string, LineRecord>;
  /** SIP-ID -> the file path of the line */
  linePaths: Map<string, string>;
  /** number -> num: hash fields */
  numbers: Map<string, Hash>;
  /** address -> SIP-ID */
  addresses: Map<string, string>;
  /** `num:{n}` / `ip:{a}` / `peer:{a}` -> the file path naming it, for error messages */
  paths: Map<string, string>;
  /** number -> feature field -> encoded value (null: clear the field) */
  features: Map<string, PlannedFeatures>;
  huntGroups: Map<string, PlannedGroup<HuntGroup>>;
  bulkGroups: Map<string, PlannedGroup<BulkGroup>>;
  /** Subscription records the file gives (null: remove the record), by number and by site id. */
  options: { numbers: Map<string, PlannedOptions>; sites: Map<string, PlannedOptions> };
  /** Only the routing sections the file gives (each replaces the stored one). */
  routing: { peers?: Map<string, Peer>; outbound?: OutboundRoute[]; emergency?: EmergencyRoute[]; voicemail?: VoicemailRoute | null };
}

export interface PlannedFeatures {
  fields: Map<FeatureField, string | null>;
  outgoingRestriction: boolean;
  path: string;
  /** The option as the file sets it (undefined: as stored). */
  tollFreeForwarding?: boolean;
  /** Issues to raise when the number ends up without toll-free forwarding (its toll-free destinations). */
  tollFreeIssues: string[];
  /** Paths of `active` fields using slot 5: refused for a member of a bulk group. */
  slot5Paths: string[];
}

export interface PlannedOptions {
  list: OptionName[] | null;
  path: string;
}

export interface PlannedGroup<G> {
  group: G;
  /** The stored JSON (fixed key order, so "unchanged" is a string compare). */
  json: string;
  siteId: string;
  /** Every number of the group (hunt: pilot first) with its file path. */
  numbers: Array<{ number: string; path: string }>;
  path: string;
}

export function plan(file: ProvisioningFile, realm: string): Desired {
  const d: Desired = {
    voiceGroups: new Map(),
    sites: new Map(),
    lines: new Map(),
    linePaths: new Map(),
    numbers: new Map(),
    addresses: new Map(),
    paths: new Map(),
    features: new Map(),
    huntGroups: new Map(),
    bulkGroups: new Map(),
    options: { numbers: new Map(), sites: new Map() },
    routing: {},
  };
  file.voiceGroups.forEach((vg, g) => {
    d.voiceGroups.set(vg.id, { id: vg.id, name: vg.name });
    vg.sites.forEach((site, s) => {
      const sitePath = `voiceGroups[${g}].sites[${s}]`;
      d.sites.set(site.id, { id: site.id, voiceGroupId: vg.id, name: site.name });
      site.lines.forEach((l, i) => {
        const path = `${sitePath}.lines[${i}]`;
        const line: LineRecord = {
          sipId: l.sipId,
          voiceGroupId: vg.id,
          siteId: site.id,
          channels: l.channels,
          auth: l.auth,
          allowedAddresses: l.allowedAddresses ?? [],
          basicNumber: l.basicNumber,
          dialInNumbers: l.dialInNumbers,
        };
        if (l.delivery === 'contact') line.delivery = 'contact';
        if (l.deliverTo !== undefined) line.deliverTo = l.deliverTo;
        if (l.deliverTransport !== undefined) line.deliverTransport = l.deliverTransport;
        if (l.auth === 'digest') {
          line.realm = realm;
          line.ha1Md5 = l.password !== undefined ? computeHa1('MD5', l.sipId, realm, l.password) : l.ha1Md5;
          line.ha1Sha256 = l.password !== undefined ? computeHa1('SHA-256', l.sipId, realm, l.password) : l.ha1Sha256;
        }
        d.lines.set(l.sipId, line);
        d.linePaths.set(l.sipId, path);
        d.numbers.set(l.basicNumber, { number: l.basicNumber, sipId: l.sipId, kind: 'basic' });
        d.paths.set(`num:${l.basicNumber}`, `${path}.basicNumber`);
        l.dialInNumbers.forEach((n, k) => {
          d.numbers.set(n, { number: n, sipId: l.sipId, kind: 'dial-in' });
          d.paths.set(`num:${n}`, `${path}.dialInNumbers[${k}]`);
        });
        line.allowedAddresses.forEach((a, k) => {
          d.addresses.set(a, l.sipId);
          d.paths.set(`ip:${a}`, `${path}.allowedAddresses[${k}]`);
        });
      });
      site.huntGroups.forEach((h, i) => {
        const path = `${sitePath}.huntGroups[${i}]`;
        const group: HuntGroup = { id: h.id, siteId: site.id, pilot: h.pilot, members: h.members, mode: h.mode, presentation: h.presentation };
        d.huntGroups.set(h.id, {
          group,
          json: JSON.stringify(group),
          siteId: site.id,
          path,
          numbers: [{ number: h.pilot, path: `${path}.pilot` }, ...h.members.map((n, k) => ({ number: n, path: `${path}.members[${k}]` }))],
        });
      });
      site.bulkGroups.forEach((b, i) => {
        const path = `${sitePath}.bulkGroups[${i}]`;
        const group: BulkGroup = { id: b.id, siteId: site.id, name: b.name, state: b.state, members: b.members };
        d.bulkGroups.set(b.id, {
          group,
          json: JSON.stringify(group),
          siteId: site.id,
          path,
          numbers: b.members.map((n, k) => ({ number: n, path: `${path}.members[${k}]` })),
        });
      });
    });
  });

  for (const [key, f] of Object.entries(file.features)) {
    const number = normalizeNumber(key)!; // validated
    const fields = new Map<FeatureField, string | null>();
    const put = (name: FeatureField, v: unknown) => {
      if (v !== undefined) fields.set(name, v === null ? null : encodeFeature(v));
    };
    put('blockedCallers', f.blockedCallers);
    put('blockAnnouncementUri', f.blockAnnouncementUri);
    put('anonymousRejection', f.anonymousRejection);
    put('internationalBar', f.internationalBar);
    put('outgoingRestriction', f.outgoingRestriction);
    put('presentation', f.presentation);
    put('tollFreeForwarding', f.tollFreeForwarding);
    put(
      'specificPresentation',
      f.specificPresentation === undefined || f.specificPresentation === null
        ? f.specificPresentation
        : { number: f.specificPresentation.number, enabled: f.specificPresentation.enabled },
    );
    const path = `features.${key}`;
    const checks = { tollFreeIssues: [] as string[], slot5Paths: [] as string[] };
    if (f.forwarding) {
      const w = f.forwarding;
      const destinations = normalizeDestinations(w.destinations, number);
      checks.tollFreeIssues = tollFreeIssues(destinations, number, path);
      checks.slot5Paths = slot5Paths(w, path);
      put('forwarding', {
        enabled: w.enabled,
        unconditional: w.unconditional,
        busy: w.busy,
        noAnswer: w.noAnswer,
        unreachable: w.unreachable,
        ringTime: w.ringTime,
        active: w.active,
        destinations,
        schedule: w.schedule.map((e) => ({ days: [...e.days].sort((a, b) => a - b), from: e.from, to: e.to, pattern: e.pattern })),
      });
    }
    d.features.set(number, {
      fields,
      outgoingRestriction: f.outgoingRestriction === true,
      path,
      ...(f.tollFreeForwarding !== undefined ? { tollFreeForwarding: f.tollFreeForwarding } : {}),
      ...checks,
    });
  }

  for (const [key, list] of Object.entries(file.options?.numbers ?? {})) {
    d.options.numbers.set(normalizeNumber(key)!, { list, path: `options.numbers.${key}` });
  }
  for (const [id, list] of Object.entries(file.options?.sites ?? {})) d.options.sites.set(id, { list, path: `options.sites.${id}` });

  const r = file.routing;
  if (r?.peers)
    d.routing.peers = new Map(
      r.peers.map((p, i) => {
        p.addresses.forEach((a, k) => d.paths.set(`peer:${a}`, `routing.peers[${i}].addresses[${k}]`));
        return [p.name, { name: p.name, addresses: p.addresses, ...(p.hosts && p.hosts.length > 0 ? { hosts: p.hosts } : {}) }];
      }),
    );
  if (r?.outboundRoutes) {
    d.routing.outbound = r.outboundRoutes.map((o) => ({
      name: o.name,
      prefix: o.prefix,
      target: o.target,
      ...given({ transport: o.transport, priority: o.priority, weight: o.weight }),
    }));
  }
  if (r?.emergencyRoutes !== undefined) {
    d.routing.emergency = r.emergencyRoutes.map((e) => ({ name: e.name, areaCodes: e.areaCodes, target: e.target, ...given({ transport: e.transport }) }));
  }
  if (r?.voicemail !== undefined) {
    const v = r.voicemail;
    d.routing.voicemail = v === null ? null : { name: v.name, target: v.target, ...given({ transport: v.transport }) };
  }
  if (r?.emergencyRoutes === undefined && r?.emergencyRoute !== undefined) {
    // The former single route serves every area.
    const e = r.emergencyRoute;
    d.routing.emergency = e === null ? [] : [{ name: e.name, areaCodes: [...ALL_AREA_CODES], target: e.target, ...given({ transport: e.transport }) }];
  }
  return d;
}

/** The fields that are set: a stored route leaves out what the file did not give. */
function given<T extends Record<string, unknown>>(fields: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as { [K in keyof T]?: Exclude<T[K], undefined> };
}
