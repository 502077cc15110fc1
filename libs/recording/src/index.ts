export * from './records.js';
export * from './events.js';
export * from './decision.js';
export * from './places.js';
export * from './services.js';
