/** Injection tokens shared by both apps. */
export const PG_POOL = Symbol('PG_POOL');
export const EVENT_STORE = Symbol('EVENT_STORE');
export const PLATFORM_CONFIG = Symbol('PLATFORM_CONFIG');
