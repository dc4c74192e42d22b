import type { ResourceModule } from '../server.js';
import { capabilitiesResource } from './capabilities.js';
import { groupResources } from './groups.js';
import { bulkResultResources } from './bulk-results.js';
import { organisationResources } from './organisation.js';
import { routingResources } from './routing.js';
import { securityResources } from './security.js';
import { statusResources } from './status.js';
import { forwardingCsvResource } from './forwarding-csv.js';
import { historyResource } from './history.js';
import { cdrResource } from './cdr.js';
import { numbersResource } from './numbers.js';
import { monitoringResources } from './monitoring.js';
import { optionsResources } from './options.js';
import { blockListResource } from './block-list.js';
import { numberExportResource } from './number-export.js';

/** Every resource module of the management API, in the order their routes are listed. */
export const RESOURCE_MODULES: ResourceModule[] = [
  organisationResources,
  statusResources,
  groupResources,
  bulkResultResources,
  routingResources,
  numbersResource,
  optionsResources,
  blockListResource,
  numberExportResource,
  forwardingCsvResource,
  historyResource(),
  cdrResource,
  securityResources,
  capabilitiesResource,
  monitoringResources,
];
