export { importNdjson, type ImportSummary, type ImportProgress, type RejectedLine, type RecordSink, type ImportOptions } from './import-pipeline.js';
export { ImportsModule } from './imports.module.js';
export { openRecording } from './recording-context.js';
export { loadDemo, isEmptyLog, DEMO_ACTOR } from './demo.js';
