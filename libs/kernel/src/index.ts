export * from './errors.js';
export * from './money.js';
export * from './dates.js';
