/** Injection tokens of the auth glue. */
export const TOKEN_VERIFIER = Symbol('TOKEN_VERIFIER');
export const PLACE_SOURCE = Symbol('PLACE_SOURCE');
export const AUTH_OPTIONS = Symbol('AUTH_OPTIONS');
/** Provided by an app whose routes use @ForCycle: `CycleResolver`. */
export const CYCLE_RESOLVER = Symbol('CYCLE_RESOLVER');
