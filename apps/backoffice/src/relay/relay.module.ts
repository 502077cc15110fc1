import { Module } from '@nestjs/common';
import { RelayController } from './relay.controller.js';
import { RelayService } from './relay.service.js';

/** The Kafka relays (with KAFKA_BROKERS) and their status endpoint (always). */
@Module({ controllers: [RelayController], providers: [RelayService], exports: [RelayService] })
export class RelayModule {}
