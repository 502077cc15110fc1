import { completionRate, formatPercent, presentAmount } from './rates.js';

describe('completion rates (达成率)', () => {
  it('is the exact quotient, null without a target', () => {
    expect(completionRate(3414n, 3000n)).toBe(1.138);
    expect(completionRate(5n, null)).toBeNull();
    expect(completionRate(5n, 0n)).toBeNull();
  });

  it.each([
    [3414n, 3000n, 2, '113.80%'],
    [1187n, 1000n, 1, '118.7%'],
    [593n, 500n, 0, '119%'],
    [52310671n, 6000000n, 0, '872%'],
    [62n, 60n, 2, '103.33%'],
    [50n, 48n, 2, '104.17%'],
    [1n, 8n, 1, '12.5%'], // half up at an exact half
  ])('rounds %s / %s to %s decimals as %s only when presenting', (actual, target, decimals, printed) => {
    expect(formatPercent(actual, target, decimals)).toBe(printed);
  });

  it('presents money as a decimal string of yuan and counts as numbers', () => {
    expect(presentAmount(52310671n, true)).toBe('523106.71');
    expect(presentAmount(3414n, false)).toBe(3414);
  });
});
