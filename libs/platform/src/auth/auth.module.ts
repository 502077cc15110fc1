import { Global, Module, type DynamicModule } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import type pg from 'pg';
import type { TokenVerifier } from '@app/auth';
import { PG_POOL } from '../tokens.js';
import { AccessService } from './access.service.js';
import { AuthGuard, type AuthOptions } from './guard.js';
import { JwtTokens, resolveJwtSecret } from './jwt.js';
import { PersonalDataController } from './personal-data.controller.js';
import { PersonalDataVault } from './personal-data.js';
import { EventLogPlaceSource, type PlaceSource } from './places.js';
import { AUTH_OPTIONS, PLACE_SOURCE, TOKEN_VERIFIER } from './tokens.js';

export interface AuthModuleOptions extends Partial<AuthOptions> {
  /** Default: HS256 tokens under AUTH_JWT_SECRET (see resolveJwtSecret); an OIDC verifier later. */
  verifier?: TokenVerifier;
  /** Default: station events read from the event store's log. */
  places?: PlaceSource;
  /** Serve the erasure and read-log endpoints (the app that holds personal data). */
  personalDataEndpoints?: boolean;
}

/**
 * Authentication and authorisation for a whole app: importing it switches on the global guard
 * (every route needs a token unless @Public) and provides AccessService and PersonalDataVault.
 */
@Global()
@Module({})
export class AuthModule {
  static forRoot(options: AuthModuleOptions = {}): DynamicModule {
    return {
      module: AuthModule,
      controllers: options.personalDataEndpoints ? [PersonalDataController] : [],
      providers: [
        { provide: TOKEN_VERIFIER, useFactory: () => options.verifier ?? new JwtTokens(resolveJwtSecret()) },
        { provide: PLACE_SOURCE, useFactory: (pool: pg.Pool) => options.places ?? new EventLogPlaceSource(pool), inject: [PG_POOL] },
        {
          provide: AUTH_OPTIONS,
          useValue: { failuresPerMinute: options.failuresPerMinute ?? Number(process.env.AUTH_FAILURES_PER_MINUTE ?? 30) } satisfies AuthOptions,
        },
        AccessService,
        PersonalDataVault,
        { provide: APP_GUARD, useClass: AuthGuard },
      ],
      exports: [AccessService, PersonalDataVault, TOKEN_VERIFIER, PLACE_SOURCE],
    };
  }
}
