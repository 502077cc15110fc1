export * from './exact.js';
export * from './schemes.js';
export * from './rubric.js';
export * from './sampling.js';
export * from './cycle.js';
export * from './scoring.js';
export * from './report.js';
