import { jest } from '@jest/globals';
import { FailureLimiter } from './failure-limiter.js';

describe('FailureLimiter: failed authentications per address and window', () => {
  beforeEach(() => jest.useFakeTimers({ now: new Date('2026-03-01T08:00:00Z') }));
  afterEach(() => jest.useRealTimers());

  const failTimes = (limiter: FailureLimiter, address: string, times: number) => {
    for (let i = 0; i < times; i += 1) limiter.failed(address);
  };

  it('blocks an address once it has failed the limit within the window, and only that address', () => {
    const limiter = new FailureLimiter({ limit: 3 });
    failTimes(limiter, '10.0.0.1', 2);
    expect(limiter.blocked('10.0.0.1')).toBe(false);
    jest.advanceTimersByTime(59_000);
    limiter.failed('10.0.0.1');
    expect(limiter.blocked('10.0.0.1')).toBe(true);
    expect(limiter.blocked('10.0.0.2')).toBe(false);
  });

  it('unblocks the address when the window opened by its first failure ends, and counts afresh', () => {
    const limiter = new FailureLimiter({ limit: 3 });
    failTimes(limiter, '10.0.0.1', 3);
    jest.advanceTimersByTime(60_000);
    expect(limiter.blocked('10.0.0.1')).toBe(true);
    jest.advanceTimersByTime(1);
    expect(limiter.blocked('10.0.0.1')).toBe(false);
    failTimes(limiter, '10.0.0.1', 2);
    expect(limiter.blocked('10.0.0.1')).toBe(false);
  });

  it('drops expired windows as later failures arrive, a few per failure', () => {
    const limiter = new FailureLimiter({ limit: 3 });
    for (let i = 0; i < 100; i += 1) limiter.failed(`10.0.1.${i}`);
    jest.advanceTimersByTime(60_001);
    limiter.failed('10.0.2.0');
    // One failure drops a bounded slice of the 100 expired windows, not all of them.
    expect(limiter.size).toBeGreaterThan(2);
    expect(limiter.size).toBeLessThan(100);
    for (let i = 1; i < 10; i += 1) limiter.failed(`10.0.2.${i}`);
    expect(limiter.size).toBe(10);
  });

  it('holds at most its capacity of addresses: a new one pushes out the oldest window', () => {
    const limiter = new FailureLimiter({ limit: 1, capacity: 1000 });
    for (let i = 0; i < 5000; i += 1) limiter.failed(`10.1.${Math.floor(i / 256)}.${i % 256}`);
    expect(limiter.size).toBe(1000);
    // The last thousand are still counted; the first were pushed out and count afresh.
    expect(limiter.blocked('10.1.19.135')).toBe(true);
    expect(limiter.blocked('10.1.15.160')).toBe(true);
    expect(limiter.blocked('10.1.15.159')).toBe(false);
    expect(limiter.blocked('10.1.0.0')).toBe(false);
  });
});
