export * from './roles.js';
export * from './scope.js';
export * from './caller.js';
export * from './access.js';
export * from './records.js';
export * from './places.js';
export * from './personal-data.js';
