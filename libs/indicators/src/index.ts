export * from './definitions.js';
export * from './projection.js';
export * from './scope.js';
export * from './rates.js';
export * from './quality.js';
export * from './places.js';
export * from './periods.js';
