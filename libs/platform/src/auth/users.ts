import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { checkScope, type Caller, type Role, type Scope } from '@app/auth';
import { conflict, notFound } from '@app/kernel';

export interface User extends Caller {
  name: string;
}

/** The platform's own identities (an OpenID Connect provider would keep them instead). */
export class UserStore {
  constructor(private readonly pool: pg.Pool) {}

  async add(name: string, role: Role, scope: Scope): Promise<User> {
    const checked = checkScope(role, scope);
    const id = randomUUID();
    const { rowCount } = await this.pool.query(
      'INSERT INTO auth.users (id, name, role, scopes) VALUES ($1, $2, $3, $4) ON CONFLICT (name) DO NOTHING',
      [id, name, role, JSON.stringify(checked)],
    );
    if (rowCount === 0) throw conflict('user_exists', `a user named ${name} exists`);
    return { id, name, role, scope: checked };
  }

  async byName(name: string): Promise<User> {
    const { rows } = await this.pool.query<{ id: string; name: string; role: Role; scopes: Scope }>(
      'SELECT id, name, role, scopes FROM auth.users WHERE name = $1',
      [name],
    );
    if (!rows[0]) throw notFound('user_not_found', `no user named ${name}`);
    return { id: rows[0].id, name: rows[0].name, role: rows[0].role, scope: rows[0].scopes };
  }
}
