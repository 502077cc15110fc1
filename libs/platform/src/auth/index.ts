export { AuthModule, type AuthModuleOptions } from './auth.module.js';
export { AuthGuard, type AuthOptions, type CycleResolver } from './guard.js';
export { AccessService, type RecordAuthorizer } from './access.service.js';
export { Public, Requires, ForCycle, CurrentCaller, PUBLIC_ROUTE, REQUIRED_PERMISSIONS } from './decorators.js';
export { JwtTokens, resolveJwtSecret, DEFAULT_SECRET_FILE, type IssueOptions } from './jwt.js';
export { EventLogPlaceSource, type PlaceSource } from './places.js';
export {
  PersonalDataVault,
  HouseholdKeyring,
  loadHouseholdKeyring,
  householdSubject,
  wrapLegacyHouseholdKeys,
  checkHouseholdMasterKey,
  rotateHouseholdMasterKey,
  type MasterKeyRotation,
} from './personal-data.js';
export { householdMasterKey, householdMasterKeyFromEnv, parseHouseholdMasterKey } from './master-key.js';
export { UserStore, type User } from './users.js';
export { authMigrations } from './migrations.js';
export { TOKEN_VERIFIER, PLACE_SOURCE, CYCLE_RESOLVER } from './tokens.js';
