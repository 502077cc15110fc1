export { IndicatorsModule } from './indicators.module.js';
export { indicatorMigrations } from './schema.js';
export { IndicatorProjections, rebuildIndicators } from './indicator-projections.js';
