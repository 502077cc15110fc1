import { Writable } from 'node:stream';
import { ModulesContainer } from '@nestjs/core';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { JwtService } from '@nestjs/jwt';
import { PUBLIC_ROUTE, REQUIRED_PERMISSIONS } from '@app/platform';
import { backofficeMigrations } from '../../apps/backoffice/src/migrations.js';
import { evaluationMigrations } from '../../apps/evaluation/src/migrations.js';
import { tokenCommand, userCommand } from '../../apps/cli/src/auth.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { adminFetch, authFetch } from '../support/auth.js';
import { startApps } from './apps.js';

/** Starts both apps with these environment settings in force while they are built. */
async function startWith(pool: TestDatabase['pool'], settings: Record<string, string>) {
  const saved = Object.fromEntries(Object.keys(settings).map((key) => [key, process.env[key]]));
  Object.assign(process.env, settings);
  try {
    return await startApps(pool);
  } finally {
    for (const [key, value] of Object.entries(saved)) if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
}

function capture(): { stream: Writable; text(): string } {
  let text = '';
  return {
    stream: new Writable({ write: (chunk, _encoding, done) => void ((text += String(chunk)), done()) }),
    text: () => text,
  };
}

describe('security basics', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase([...backofficeMigrations, ...evaluationMigrations]);
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('declares a permission (or @Public) on every route of both apps', async () => {
    const apps = await startApps(db.pool);
    try {
      const undeclared: string[] = [];
      let routes = 0;
      for (const app of Object.values(apps.apps)) {
        for (const module of app.get(ModulesContainer).values()) {
          for (const { metatype } of module.controllers.values()) {
            const controller = metatype as new (...args: never[]) => object;
            const classPublic = Reflect.getMetadata(PUBLIC_ROUTE, controller);
            for (const name of Object.getOwnPropertyNames(controller.prototype)) {
              const handler = controller.prototype[name as keyof object] as unknown;
              if (typeof handler !== 'function' || Reflect.getMetadata(METHOD_METADATA, handler) === undefined) continue;
              routes += 1;
              const declared = classPublic || Reflect.getMetadata(PUBLIC_ROUTE, handler) || (Reflect.getMetadata(REQUIRED_PERMISSIONS, handler) ?? []).length > 0;
              if (!declared) undeclared.push(`${controller.name}.${name} (${Reflect.getMetadata(PATH_METADATA, handler)})`);
            }
          }
        }
      }
      expect(routes).toBeGreaterThan(20);
      expect(undeclared).toEqual([]);
    } finally {
      await apps.close();
    }
  });

  it('answers 429 to an address after too many failed authentications, even with a good token', async () => {
    const apps = await startWith(db.pool, { AUTH_FAILURES_PER_MINUTE: '3' });
    try {
      const url = `${apps.backoffice}/api/v1/indicator-definitions`;
      const forged = new JwtService({ secret: 'another-key-another-key-another-key!!' }).sign({ sub: 'x', role: 'city_admin', scopes: {} }, { expiresIn: 60 });
      const statuses = [];
      for (let i = 0; i < 4; i += 1) statuses.push((await fetch(url, { headers: { authorization: `Bearer ${forged}` } })).status);
      expect(statuses).toEqual([401, 401, 401, 429]);
      expect((await adminFetch(url)).status).toBe(429);
      expect((await fetch(`${apps.backoffice}/health`)).status).toBe(200);
    } finally {
      await apps.close();
    }
  });

  it('limits imports per address and minute (429), apart from other requests', async () => {
    const apps = await startWith(db.pool, { RATE_LIMIT_IMPORTS: '2' });
    try {
      const post = () => adminFetch(`${apps.backoffice}/api/v1/imports`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: '\n' });
      expect([(await post()).status, (await post()).status, (await post()).status]).toEqual([200, 200, 429]);
      expect((await adminFetch(`${apps.backoffice}/api/v1/indicator-definitions`)).status).toBe(200);
    } finally {
      await apps.close();
    }
  });

  it('refuses a JSON body over the size limit with 413', async () => {
    const apps = await startApps(db.pool);
    try {
      const response = await adminFetch(`${apps.backoffice}/api/v1/indicator-definitions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ code: 'big', name: 'x'.repeat(1_100_000) }),
      });
      expect(response.status).toBe(413);
    } finally {
      await apps.close();
    }
  });

  it('issues tokens from the command line: ad hoc by role and scope, and for a stored user', async () => {
    const apps = await startApps(db.pool);
    try {
      const env = { AUTH_JWT_SECRET: process.env.AUTH_JWT_SECRET, DATABASE_URL: db.url };
      const adHoc = capture();
      await tokenCommand(['--role', 'district_bureau', '--scope', 'district:440106'], { env, stdout: adHoc.stream });
      const asBureau = authFetch(adHoc.text().trim());
      const reads = (district: string) => `${apps.backoffice}/api/v1/personal-data/reads?district=${district}`;
      expect((await asBureau(reads('440106'))).status).toBe(200);
      expect((await asBureau(reads('440111'))).status).toBe(403);

      const added = capture();
      await userCommand(['add', '--name', 'chen', '--role', 'social_worker', '--scope', 'station:SYL,area:A1'], { env, stdout: added.stream });
      expect(added.text()).toMatch(/^user chen \(.+\): social_worker station:SYL area:A1/);
      await expect(userCommand(['add', '--name', 'chen', '--role', 'analyst'], { env, stdout: capture().stream })).rejects.toMatchObject({ code: 'user_exists' });
      await expect(userCommand(['add', '--name', 'li', '--role', 'street_office'], { env, stdout: capture().stream })).rejects.toMatchObject({ code: 'scope_shape' });

      const issued = capture();
      await tokenCommand(['--user', 'chen', '--ttl', '60'], { env, stdout: issued.stream });
      const claims = new JwtService().decode(issued.text().trim());
      const { rows } = await db.pool.query(`SELECT id FROM auth.users WHERE name = 'chen'`);
      expect(claims).toMatchObject({ sub: rows[0].id, role: 'social_worker', scopes: { stations: ['SYL'], areas: ['A1'] }, name: 'chen' });
      expect(claims.exp - claims.iat).toBe(60);
    } finally {
      await apps.close();
    }
  });
});
