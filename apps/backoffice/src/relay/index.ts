export { RelayModule } from './relay.module.js';
export { RelayService, type RelayOverview } from './relay.service.js';
export { indicatorChangesSource } from './indicator-changes.source.js';
