/**
 * Completion rates (达成率) = actual ÷ target, exact. Presentation rounding happens only here, on the
 * exact integers (half up, like the reports: 593/500 → 119%, 3414/3000 → 113.80%), never on a float.
 */
import { fenToYuan } from '@app/kernel';

/** The quotient as the nearest number; null without a (positive) target. */
export function completionRate(actual: bigint, target: bigint | null): number | null {
  if (target === null || target <= 0n) return null;
  return Number(actual) / Number(target);
}

/** "113.80%" for decimals = 2; null without a target. */
export function formatPercent(actual: bigint, target: bigint | null, decimals: number): string | null {
  if (target === null || target <= 0n) return null;
  const scale = 10n ** BigInt(decimals);
  const scaled = (actual * 100n * scale * 2n + target) / (target * 2n); // half up for non-negative values
  const whole = scaled / scale;
  const fraction = decimals > 0 ? `.${(scaled % scale).toString().padStart(decimals, '0')}` : '';
  return `${whole}${fraction}%`;
}

/** Money as a decimal string of yuan, counts as numbers: the API's representation of a figure. */
export function presentAmount(value: bigint, money: boolean): string | number {
  return money ? fenToYuan(value) : Number(value);
}
