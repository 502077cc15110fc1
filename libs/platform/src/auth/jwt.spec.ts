import { jest } from '@jest/globals';
import { JwtTokens } from './jwt.js';

const SECRET = 'a-test-key-a-test-key-a-test-key-!!';

describe('JwtTokens: verified tokens are remembered only until they expire', () => {
  afterEach(() => jest.useRealTimers());

  it('answers the same caller again, then refuses the token once it has expired', async () => {
    jest.useFakeTimers({ now: new Date('2026-03-01T08:00:00Z'), doNotFake: ['nextTick', 'setImmediate'] });
    const tokens = new JwtTokens(SECRET);
    const token = tokens.issue({ id: 'w1', role: 'city_admin', scope: {} }, { ttlSeconds: 60 });
    const first = await tokens.verify(token);
    expect(first).toMatchObject({ id: 'w1', role: 'city_admin' });
    expect(await tokens.verify(token)).toEqual(first);
    jest.setSystemTime(new Date('2026-03-01T08:01:00Z'));
    await expect(tokens.verify(token)).rejects.toThrow(/expired/);
  });

  it('refuses a token signed with another key, even one with the same claims as a remembered token', async () => {
    const tokens = new JwtTokens(SECRET);
    const caller = { id: 'w1', role: 'city_admin', scope: {} } as const;
    await tokens.verify(tokens.issue(caller));
    await expect(tokens.verify(new JwtTokens(`${SECRET}-other`).issue(caller))).rejects.toThrow(/signature/);
  });
});
