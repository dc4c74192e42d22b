import type { ResourceModule } from '../server.js';

/** Every resource module of the management API, in the order their routes are listed. */
export const RESOURCE_MODULES: ResourceModule[] = [];
