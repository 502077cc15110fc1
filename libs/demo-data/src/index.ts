export * from './expected.js';
export { DEMO_DISTRICTS, DEMO_STATIONS_SETUP, DEMO_CONTRACTS } from './places.js';
export { demoRecords, demoNdjson } from './generate.js';
export { tally, correctedRecords } from './tally.js';
