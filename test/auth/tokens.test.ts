import { JwtService } from '@nestjs/jwt';
import { backofficeMigrations } from '../../apps/backoffice/src/migrations.js';
import { evaluationMigrations } from '../../apps/evaluation/src/migrations.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { adminToken, tokenFor } from '../support/auth.js';
import { startApps } from './apps.js';

const secret = process.env.AUTH_JWT_SECRET!;
const now = () => Math.floor(Date.now() / 1000);
const claims = { sub: 'u1', role: 'city_admin', scopes: {} };

/** Rewrites a token's payload and keeps its signature: what a forger can do without the key. */
function tamper(token: string, change: Record<string, unknown>): string {
  const [header, payload, signature] = token.split('.');
  const decoded = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8'));
  return [header, Buffer.from(JSON.stringify({ ...decoded, ...change })).toString('base64url'), signature].join('.');
}

const unsigned = (payload: object) =>
  [Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url'), Buffer.from(JSON.stringify(payload)).toString('base64url'), ''].join('.');

describe('authentication', () => {
  let db: TestDatabase;
  let apps: Awaited<ReturnType<typeof startApps>>;

  beforeAll(async () => {
    db = await createTestDatabase([...backofficeMigrations, ...evaluationMigrations]);
    apps = await startApps(db.pool);
  });
  afterAll(async () => {
    await apps?.close();
    await db?.drop();
  });

  const protectedRoutes = () => [
    `${apps.backoffice}/api/v1/indicators?scope=city&from=2024-01-01&to=2024-12-31`,
    `${apps.backoffice}/api/v1/indicator-definitions`,
    `${apps.evaluation}/api/v1/cycles`,
  ];
  const get = (url: string, token?: string) => fetch(url, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } });

  it('answers health and the API docs without a token', async () => {
    for (const base of [apps.backoffice, apps.evaluation]) {
      expect((await get(`${base}/health`)).status).toBe(200);
      expect((await get(`${base}/docs-json`)).status).toBe(200);
    }
  });

  it('answers every other route 401 without a token, and with the token it is not 401', async () => {
    for (const url of protectedRoutes()) {
      const refused = await get(url);
      expect(refused.status).toBe(401);
      expect(await refused.json()).toMatchObject({ statusCode: 401 });
      expect((await get(url, adminToken())).status).toBe(200);
    }
  });

  it.each([
    ['expired', () => new JwtService({ secret }).sign({ ...claims, exp: now() - 5 })],
    ['signed with another key', () => new JwtService({ secret: 'another-key-another-key-another-key!!' }).sign({ ...claims, exp: now() + 600 })],
    ['forged (payload changed after signing)', () => tamper(tokenFor('analyst'), { role: 'city_admin' })],
    ['unsigned (alg none)', () => unsigned({ ...claims, exp: now() + 600 })],
    ['without an expiry', () => new JwtService({ secret }).sign(claims)],
    ['with a role that does not exist', () => new JwtService({ secret }).sign({ ...claims, role: 'root', exp: now() + 600 })],
    ['with a scope its role cannot have', () => new JwtService({ secret }).sign({ ...claims, role: 'street_office', scopes: {}, exp: now() + 600 })],
    ['malformed', () => 'not-a-token'],
  ])('refuses a token that is %s with 401 in both apps', async (_what, make) => {
    const token = make();
    for (const url of protectedRoutes()) expect((await get(url, token)).status).toBe(401);
  });

  it('refuses an Authorization header that is not a bearer token', async () => {
    const response = await fetch(protectedRoutes()[0]!, { headers: { authorization: `Basic ${Buffer.from('admin:admin').toString('base64')}` } });
    expect(response.status).toBe(401);
  });

  it('sends secure headers and no stack trace in errors', async () => {
    const response = await get(protectedRoutes()[0]!);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('strict-transport-security')).toMatch(/max-age/);
    expect(response.headers.get('x-powered-by')).toBeNull();
    expect(await response.text()).not.toMatch(/\bat .*\.(ts|js):\d+/);
  });
});
