import { Module } from '@nestjs/common';
import { RecordingModule } from './recording.module.js';
import { RecordHandler } from './commands.js';
import { recordControllers } from './records.controller.js';

/** The HTTP and command-bus side of recording (needs the app's CqrsModule); imports use RecordingModule alone. */
@Module({ imports: [RecordingModule], controllers: recordControllers, providers: [RecordHandler] })
export class RecordingApiModule {}
