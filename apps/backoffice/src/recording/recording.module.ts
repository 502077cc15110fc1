import { Module } from '@nestjs/common';
import { RecordingService } from './recording.service.js';

/** The write side: places, contracts and service records, as commands and events. */
@Module({ providers: [RecordingService], exports: [RecordingService] })
export class RecordingModule {}
