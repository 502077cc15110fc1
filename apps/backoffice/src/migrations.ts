import type { Migration } from '@app/database';
import { eventStoreMigrations } from '@app/event-store';
import { authMigrations } from '@app/platform';
import { indicatorMigrations } from './indicators/schema.js';
import { recordingMigrations } from './recording/migrations.js';

/** Every schema step the backoffice owns, in one list the migrator applies in id order. */
export const backofficeMigrations: Migration[] = [...eventStoreMigrations, ...recordingMigrations, ...indicatorMigrations, ...authMigrations];
