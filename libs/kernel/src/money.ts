import { invalid } from './errors.js';

/** Money travels as a decimal string of yuan with at most two decimals, and is held as integer fen. */
const YUAN = /^(0|[1-9]\d{0,14})(\.\d{1,2})?$/;
/**
 * What a new record may state: at most ten digits of yuan (under 10 billion; budgets here are
 * millions), so that totals summed in int8 fen cannot overflow. Amounts stored before this limit
 * still read (YUAN).
 */
const RECORDABLE_YUAN = /^(0|[1-9]\d{0,9})(\.\d{1,2})?$/;

export type Fen = bigint;

export function isYuanString(value: unknown): value is string {
  return typeof value === 'string' && RECORDABLE_YUAN.test(value);
}

/** Parses "523106.71" into 52310671n fen. Floats are refused: money is never a binary fraction. */
export function yuanToFen(value: unknown, field = 'amountYuan'): Fen {
  if (typeof value !== 'string') {
    throw invalid('money_not_decimal_string', `${field} must be a decimal string such as "523106.71", not a ${typeof value}`);
  }
  const match = YUAN.exec(value);
  if (!match) throw invalid('money_format', `${field} "${value}" must be a non-negative yuan amount with at most two decimals`);
  const [whole, fraction = ''] = value.split('.');
  return BigInt(whole!) * 100n + BigInt((fraction + '00').slice(0, 2));
}

/** 52310671n → "523106.71" (always two decimals). */
export function fenToYuan(fen: Fen): string {
  const negative = fen < 0n;
  const abs = negative ? -fen : fen;
  const text = `${abs / 100n}.${(abs % 100n).toString().padStart(2, '0')}`;
  return negative ? `-${text}` : text;
}
