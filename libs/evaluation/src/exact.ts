import { invalid } from '@app/kernel';

const DECIMAL = /^(\d{1,6})(?:\.(\d{1,2}))?$/;
const AMOUNT = /^(\d{1,15})(?:\.(\d{1,2}))?$/;

const gcd = (a: bigint, b: bigint): bigint => {
  let x = a < 0n ? -a : a;
  let y = b;
  while (y !== 0n) [x, y] = [y, x % y];
  return x === 0n ? 1n : x;
};

/**
 * An exact rational number. Scores are averaged (a mean of five experts) and weighted (55/20/15/10):
 * binary floats would put a total of 89.999999 in the wrong grade, so nothing here is a float.
 */
export class Exact {
  readonly n: bigint;
  readonly d: bigint;

  private constructor(n: bigint, d: bigint) {
    const sign = d < 0n ? -1n : 1n;
    const g = gcd(n, d < 0n ? -d : d);
    this.n = (sign * n) / g;
    this.d = (sign * d) / g;
  }

  static readonly ZERO = new Exact(0n, 1n);

  static int(value: number | bigint): Exact {
    return new Exact(BigInt(value), 1n);
  }

  static ratio(n: bigint, d: bigint): Exact {
    if (d === 0n) throw new RangeError('division by zero');
    return new Exact(n, d);
  }

  /** A non-negative decimal with at most two decimals, e.g. "18.5". */
  static parse(text: string, field = 'points'): Exact {
    const match = DECIMAL.exec(text);
    if (!match) throw invalid('bad_decimal', `${field} must be a non-negative number with at most two decimals, got "${text}"`);
    const fraction = (match[2] ?? '').padEnd(2, '0');
    return new Exact(BigInt(match[1]!) * 100n + BigInt(fraction), 100n);
  }

  static isDecimal(text: string): boolean {
    return DECIMAL.test(text);
  }

  /** An indicator figure: a count or a yuan amount with fen ("523106.71"). */
  static parseAmount(text: string): Exact {
    const match = AMOUNT.exec(text);
    if (!match) throw invalid('bad_amount', `an indicator figure must be a non-negative decimal, got "${text}"`);
    return new Exact(BigInt(match[1]!) * 100n + BigInt((match[2] ?? '').padEnd(2, '0')), 100n);
  }

  plus(other: Exact): Exact {
    return new Exact(this.n * other.d + other.n * this.d, this.d * other.d);
  }

  times(other: Exact): Exact {
    return new Exact(this.n * other.n, this.d * other.d);
  }

  div(other: Exact): Exact {
    return Exact.ratio(this.n * other.d, this.d * other.n);
  }

  cmp(other: Exact): number {
    const diff = this.n * other.d - other.n * this.d;
    return diff < 0n ? -1 : diff > 0n ? 1 : 0;
  }

  min(other: Exact): Exact {
    return this.cmp(other) <= 0 ? this : other;
  }

  static sum(values: readonly Exact[]): Exact {
    return values.reduce((a, b) => a.plus(b), Exact.ZERO);
  }

  /** Rounded half away from zero to `places` decimals, for presentation only. */
  toFixed(places = 2): string {
    const scale = 10n ** BigInt(places);
    const negative = this.n < 0n;
    const abs = negative ? -this.n : this.n;
    const scaled = (abs * scale * 2n + this.d) / (this.d * 2n);
    const whole = scaled / scale;
    const fraction = places > 0 ? `.${(scaled % scale).toString().padStart(places, '0')}` : '';
    return `${negative && scaled !== 0n ? '-' : ''}${whole}${fraction}`;
  }

  /** The exact value as a fraction string ("1737/20"), kept in explanations so nothing is lost. */
  toString(): string {
    return this.d === 1n ? `${this.n}` : `${this.n}/${this.d}`;
  }
}
