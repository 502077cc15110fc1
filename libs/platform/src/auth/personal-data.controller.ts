import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsOptional, IsString, Length } from 'class-validator';
import type { Caller } from '@app/auth';
import { AccessService } from './access.service.js';
import { CurrentCaller, Requires } from './decorators.js';
import { PersonalDataVault } from './personal-data.js';

class ErasureRequest {
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

@ApiTags('personal data (个人信息)')
@ApiBearerAuth()
@Controller('api/v1/personal-data')
export class PersonalDataController {
  constructor(
    private readonly vault: PersonalDataVault,
    private readonly access: AccessService,
  ) {}

  /** Erasure (删除): the household's key is destroyed; totals stay, its contact is unreadable everywhere. */
  @Post('erasures')
  @HttpCode(200)
  @Requires('personal:erase')
  erase(@CurrentCaller() caller: Caller, @Body() request: ErasureRequest) {
    return this.vault.erase(caller, request.household, request.reason);
  }

  /** Who read which person's file, when (newest first). */
  @Get('reads')
  @Requires('audit:read')
  async reads(@CurrentCaller() caller: Caller, @Query() query: ReadsQuery) {
    await this.access.authorize(caller, 'audit:read', { station: query.station, district: query.district });
    return this.vault.reads(query);
  }
}
