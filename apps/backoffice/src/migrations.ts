import type { Migration } from '@app/database';
import { eventStoreMigrations } from '@app/event-store';

/** Every schema step the backoffice owns, in one list the migrator applies in id order. */
export const backofficeMigrations: Migration[] = [...eventStoreMigrations];
