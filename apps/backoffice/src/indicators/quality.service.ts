import { Inject, Injectable } from '@nestjs/common';
import type pg from 'pg';
import { invalid, parseLocalDate } from '@app/kernel';
import { areaOf, DEFAULT_QUALITY_CONFIG, findQualityIssues, formatScope, parseScope, type QualityConfig, type QualityFindings } from '@app/indicators';
import type { ServiceRecordBody } from '@app/recording';
import { PG_POOL } from '@app/platform';
import { IndicatorQueryService } from './indicator-query.service.js';

export const QUALITY_CONFIG = Symbol('QUALITY_CONFIG');

/** QUALITY_CONTACTS_PER_YEAR='{"5":12,"4":6,...}' overrides the contact frequency per risk level. */
export function qualityConfigFromEnv(env: NodeJS.ProcessEnv = process.env): QualityConfig {
  const text = env.QUALITY_CONTACTS_PER_YEAR;
  return text ? { contactsPerYear: { ...DEFAULT_QUALITY_CONFIG.contactsPerYear, ...(JSON.parse(text) as Record<number, number>) } } : DEFAULT_QUALITY_CONFIG;
}

@Injectable()
export class QualityService {
  constructor(
    @Inject(PG_POOL) private readonly pool: pg.Pool,
    private readonly places: IndicatorQueryService,
    @Inject(QUALITY_CONFIG) private readonly config: QualityConfig,
  ) {}

  async findings(query: { scope: string; from: string; to: string }): Promise<{ scope: string; from: string; to: string; config: QualityConfig; findings: QualityFindings }> {
    const scope = parseScope(query.scope);
    if (scope.type !== 'station' && scope.type !== 'area') throw invalid('bad_scope', 'quality findings are per station:CODE or area:STATION/AREA');
    const from = parseLocalDate(query.from, 'from');
    const to = parseLocalDate(query.to, 'to');
    if (from > to) throw invalid('bad_period', `from ${from} is after to ${to}`);
    await this.places.resolve(scope, from, to);
    const { rows } = await this.pool.query<{ record_id: string; body: ServiceRecordBody }>(
      'SELECT record_id, body FROM ind_records WHERE station = $1 ORDER BY position',
      [scope.station],
    );
    let records = rows.map((r) => ({ recordId: r.record_id, body: r.body }));
    if (scope.type === 'area') {
      const { rows: station } = await this.pool.query<{ drawings: Parameters<typeof areaOf>[0] }>('SELECT drawings FROM ind_stations WHERE code = $1', [scope.station]);
      const drawings = station[0]!.drawings;
      records = records.filter((r) => areaOf(drawings, r.body.community, r.body.occurredOn) === scope.area);
    }
    return { scope: formatScope(scope), from, to, config: this.config, findings: findQualityIssues(records, this.config, from, to) };
  }
}
