import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type pg from 'pg';
import type { PgEventStore } from '@app/event-store';
import { EVENT_STORE, PG_POOL } from '@app/platform';
import { KafkaRelay, PseudonymKeys, brokersFromEnv, createKafka, eventLogSource, type RelayStatus } from '@app/messaging';
import { indicatorChangesSource } from './indicator-changes.source.js';

export interface RelayOverview {
  enabled: boolean;
  /** Why the relay does not run, when it does not. */
  reason?: string;
  relays: RelayStatus[];
}

/**
 * Runs the Kafka relays inside the backoffice when KAFKA_BROKERS is set: the event log to
 * socialwork.events.v1 and the indicator changes to socialwork.indicator-changes.v1. Several
 * backoffice instances may run; a lock per relay lets one of them publish and the others stand by.
 */
@Injectable()
export class RelayService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('KafkaRelay');
  private readonly brokers = brokersFromEnv();
  private relays: KafkaRelay[] = [];

  constructor(
    @Inject(PG_POOL) private readonly pool: pg.Pool,
    @Inject(EVENT_STORE) private readonly store: PgEventStore,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.brokers.length === 0) return;
    // Missing keys in production stop the app here rather than publish with a guessable key.
    const keys = PseudonymKeys.fromEnv();
    if (keys.devOnly) this.logger.warn('PSEUDONYM_KEYS is not set: pseudonyms use DEV-ONLY keys anybody can recompute');
    const kafka = createKafka({ brokers: this.brokers, clientId: 'socialwork-relay' });
    const options = {
      batchSize: Number(process.env.RELAY_BATCH_SIZE ?? 500),
      onError: (error: Error) => this.logger.warn(`relay: ${error.message} (retrying)`),
    };
    this.relays = [
      // Topic overrides are for staging and tests; production uses the published names.
      new KafkaRelay(this.pool, kafka, eventLogSource(this.store, keys, process.env.KAFKA_EVENTS_TOPIC || undefined), options),
      new KafkaRelay(this.pool, kafka, indicatorChangesSource(this.pool, process.env.KAFKA_INDICATOR_CHANGES_TOPIC || undefined), options),
    ];
    for (const relay of this.relays) await relay.start();
    this.logger.log(`publishing to Kafka at ${this.brokers.join(',')}`);
  }

  async onApplicationShutdown(): Promise<void> {
    for (const relay of this.relays) await relay.stop();
  }

  async overview(): Promise<RelayOverview> {
    if (this.relays.length === 0) return { enabled: false, reason: 'KAFKA_BROKERS is not set', relays: [] };
    return { enabled: true, relays: await Promise.all(this.relays.map((r) => r.status())) };
  }
}
