import { parseArgs } from 'node:util';
import { createPool, migrate, resolveDatabase } from '@app/database';
import { ROLES, checkScope, formatScope, isRole, parseScope, type Caller } from '@app/auth';
import { JwtTokens, UserStore, resolveJwtSecret } from '@app/platform';
import { backofficeMigrations } from '../../backoffice/src/migrations.js';

export const TOKEN_USAGE = `usage: npm run cli -- token --role ROLE [--scope SCOPE]... [--sub ID] [--ttl SECONDS]
       npm run cli -- token --user NAME [--ttl SECONDS]
  ROLE: ${ROLES.join(' | ')}
  SCOPE: district:CODE | station:CODE | area:CODE | cycle:ID (repeat, or separate with commas)`;
export const USER_USAGE = `usage: npm run cli -- user add --name NAME --role ROLE [--scope SCOPE]...`;

class UsageError extends Error {}

export interface AuthCliIo {
  env: NodeJS.ProcessEnv;
  stdout: Pick<NodeJS.WritableStream, 'write'>;
}

const processIo = (): AuthCliIo => ({ env: process.env, stdout: process.stdout });

async function withUsers<T>(env: NodeJS.ProcessEnv, work: (users: UserStore) => Promise<T>): Promise<T> {
  const database = await resolveDatabase(env);
  const pool = createPool(database.url, 2);
  try {
    await migrate(pool, backofficeMigrations);
    return await work(new UserStore(pool));
  } finally {
    await pool.end();
    await database.embedded?.stop();
  }
}

function roleAndScope(values: { role?: string; scope?: string[] }): Pick<Caller, 'role' | 'scope'> {
  if (!isRole(values.role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
  return { role: values.role, scope: checkScope(values.role, parseScope(values.scope ?? [])) };
}

/**
 * `token`: prints a bearer token (only the token, so that `$(npm run -s cli -- token …)` works),
 * signed with the configured key (AUTH_JWT_SECRET, or the embedded demo's generated one).
 */
export async function tokenCommand(args: string[], { env, stdout }: AuthCliIo = processIo()): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { role: { type: 'string' }, scope: { type: 'string', multiple: true }, sub: { type: 'string' }, user: { type: 'string' }, ttl: { type: 'string' } },
  });
  const ttlSeconds = values.ttl === undefined ? undefined : Number(values.ttl);
  if (ttlSeconds !== undefined && !(Number.isInteger(ttlSeconds) && ttlSeconds > 0)) throw new UsageError('--ttl is a number of seconds');
  const tokens = new JwtTokens(resolveJwtSecret(env));
  if (values.user) {
    const user = await withUsers(env, (users) => users.byName(values.user!));
    stdout.write(`${tokens.issue(user, { ttlSeconds, name: user.name })}\n`);
    return;
  }
  const { role, scope } = roleAndScope(values);
  const id = values.sub ?? `cli:${role}:${formatScope(scope).join(',') || 'all'}`;
  stdout.write(`${tokens.issue({ id, role, scope }, { ttlSeconds })}\n`);
}

/** `user add`: stores an identity with its role and scope; `token --user NAME` then issues for it. */
export async function userCommand(args: string[], { env, stdout }: AuthCliIo = processIo()): Promise<void> {
  const [action, ...rest] = args;
  if (action !== 'add') throw new UsageError(USER_USAGE);
  const { values } = parseArgs({ args: rest, options: { name: { type: 'string' }, role: { type: 'string' }, scope: { type: 'string', multiple: true } } });
  if (!values.name) throw new UsageError('--name is required');
  const { role, scope } = roleAndScope(values);
  const user = await withUsers(env, (users) => users.add(values.name!, role, scope));
  stdout.write(`user ${user.name} (${user.id}): ${user.role} ${formatScope(user.scope).join(' ') || '(all)'}\n`);
}

/** Wraps a command so that bad usage prints the usage and exits 2. */
export const withUsage =
  (usage: string, command: (args: string[]) => Promise<void>) =>
  async (args: string[]): Promise<void> => {
    try {
      await command(args);
    } catch (error) {
      if (!(error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') || (error as { kind?: string }).kind === 'invalid')) throw error;
      process.stderr.write(`${(error as Error).message}\n${usage}\n`);
      process.exit(2);
    }
  };
