export * from './records.js';
export * from './events.js';
