import { z } from 'zod';
import { displayName, shortId, telNumber } from './schema-common.js';

/** Per-site hunt groups (docs/product.md §4.5) and bulk-forwarding groups (docs/product.md §4.4). */

export const MAX_HUNT_MEMBERS = 1000;
export const MAX_BULK_MEMBERS = 1000;

export const huntGroupSchema = z.strictObject({
  id: shortId,
  /** Basic number of a line of the site; the search starts here. */
  pilot: telNumber,
  /** Ordered basic numbers of lines of the site, the pilot not repeated. */
  members: z
    .array(telNumber)
    .min(1, { error: 'at least one member' })
    .max(MAX_HUNT_MEMBERS, { error: `at most ${MAX_HUNT_MEMBERS} members` }),
  mode: z.enum(['sequential', 'round-robin'], { error: 'must be sequential or round-robin' }).default('sequential'),
  presentation: z.enum(['pilot', 'own'], { error: 'must be pilot or own' }).default('pilot'),
});

export const bulkGroupSchema = z.strictObject({
  id: shortId,
  name: displayName,
  /** Numbers (basic or dial-in) of lines of the site. */
  members: z
    .array(telNumber)
    .min(1, { error: 'at least one member' })
    .max(MAX_BULK_MEMBERS, { error: `at most ${MAX_BULK_MEMBERS} numbers` }),
  /** The transitional states (starting, stopping) belong to the bulk operation itself, not to a file. */
  state: z.enum(['stopped', 'started'], { error: 'must be stopped or started' }).default('stopped'),
});
