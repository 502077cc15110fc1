import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsOptional, IsString, Length } from 'class-validator';
import { isSealedContact, type Caller, type SealedContact } from '@app/auth';
import type { PgEventStore } from '@app/event-store';
import { notFound } from '@app/kernel';
import { EVENT_STORE } from '../tokens.js';
import { AccessService } from './access.service.js';
import { CurrentCaller, Requires } from './decorators.js';
import { PersonalDataVault } from './personal-data.js';

class ErasureRequest {
  @ApiProperty({ description: 'the station whose household file it is' })
  @IsString()
  @Length(1, 100)
  station: string;

  @ApiProperty({ description: 'household id (一户一档)' })
  @IsString()
  @Length(1, 100)
  household: string;

  @ApiProperty({ description: 'why (e.g. the request of the person, its reference)' })
  @IsString()
  @Length(1, 500)
  reason: string;
}

class ReadsQuery {
  @ApiPropertyOptional() @IsOptional() @IsString() station?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() district?: string;
}

interface FileEntry {
  type: string;
  recordedAt: string;
  actor: string;
  data: unknown;
}

@ApiTags('personal data (个人信息)')
@ApiBearerAuth()
@Controller('api/v1')
export class PersonalDataController {
  constructor(
    private readonly vault: PersonalDataVault,
    private readonly access: AccessService,
    @Inject(EVENT_STORE) private readonly store: PgEventStore,
  ) {}

  /**
   * A household's file (一户一档): every event of it, its contact shown in full to the roles that
   * serve people (the read is recorded, once per file), masked to those that supervise, never to others.
   */
  @Get('households/:station/:household')
  @Requires('records:read')
  async file(@CurrentCaller() caller: Caller, @Param('station') station: string, @Param('household') household: string): Promise<{ station: string; household: string; events: FileEntry[] }> {
    const stored = await this.store.readStream(`household-${station}/${household}`);
    if (stored.length === 0) throw notFound('household_not_found', `no household ${household} at station ${station}`);
    const sealed: SealedContact[] = [];
    for (const event of stored) withContacts(event.data, (contact) => void sealed.push(contact));
    const shown = await this.vault.show(caller, station, household, sealed);
    const events: FileEntry[] = stored.map((event) => ({
      type: event.type,
      recordedAt: event.recordedAt.toISOString(),
      actor: event.metadata.actor,
      data: withContacts(event.data, (contact) => shown.get(contact.sealed)),
    }));
    return { station, household, events };
  }

  /** Erasure (删除): the household's key is destroyed; totals stay, its contact is unreadable everywhere. */
  @Post('personal-data/erasures')
  @HttpCode(200)
  @Requires('personal:erase')
  erase(@CurrentCaller() caller: Caller, @Body() request: ErasureRequest) {
    return this.vault.erase(caller, request.station, request.household, request.reason);
  }

  /** Who read which person's file, when (newest first). */
  @Get('personal-data/reads')
  @Requires('audit:read')
  async reads(@CurrentCaller() caller: Caller, @Query() query: ReadsQuery) {
    await this.access.authorize(caller, 'audit:read', { station: query.station, district: query.district });
    return this.vault.reads(query);
  }
}

/**
 * The value with each sealed `contact` field, at any depth of objects, replaced by `replace`'s
 * answer; a field answered undefined is left out (the caller may not see it).
 */
function withContacts(value: unknown, replace: (contact: SealedContact) => unknown): unknown {
  if (Array.isArray(value) || typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value).map(([field, inner]) => [field, field === 'contact' && isSealedContact(inner) ? replace(inner) : withContacts(inner, replace)] as const);
  return Object.fromEntries(entries.filter(([, inner]) => inner !== undefined));
}
