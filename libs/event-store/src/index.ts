export * from './types.js';
export { WrongExpectedVersionError, InvalidEventError } from './errors.js';
export { PgEventStore, BulkAppend, BULK_COPY_COLUMNS, type EventStoreOptions, type ReadAllOptions } from './event-store.js';
export { eventStoreMigrations, APPENDED_CHANNEL } from './schema.js';
export { Upcasters, type Upcaster } from './upcasting.js';
export { deterministicUuid, newEventId, contentHash, canonicalJson } from './ids.js';
export {
  CatchUpSubscription,
  lockCheckpoint,
  storeCheckpoint,
  readCheckpoint,
  type CheckpointedHandler,
  type SubscriptionOptions,
  type SubscriptionStatus,
} from './subscription.js';
export { LogFollower, type FollowedEvent } from './log-follower.js';
