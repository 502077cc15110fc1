import { DomainError } from './errors.js';
import { fenToYuan, isYuanString, yuanToFen } from './money.js';

describe('money in fen', () => {
  it.each([
    ['523106.71', 52310671n],
    ['0', 0n],
    ['0.5', 50n],
    ['2400000', 240000000n],
    ['11792.96', 1179296n],
  ])('reads %s yuan as an exact number of fen', (yuan, fen) => {
    expect(yuanToFen(yuan)).toBe(fen);
  });

  it('writes fen back as yuan with two decimals', () => {
    expect(fenToYuan(52310671n)).toBe('523106.71');
    expect(fenToYuan(50n)).toBe('0.50');
    expect(fenToYuan(-5n)).toBe('-0.05');
  });

  it('sums many amounts without the drift of binary floats', () => {
    const amounts = Array.from({ length: 1000 }, () => yuanToFen('0.10'));
    expect(fenToYuan(amounts.reduce((a, b) => a + b, 0n))).toBe('100.00');
  });

  it.each([
    [523106.71, 'money_not_decimal_string'],
    ['1.234', 'money_format'],
    ['-3.00', 'money_format'],
    ['1e5', 'money_format'],
    ['01.00', 'money_format'],
    ['', 'money_format'],
  ])('refuses %p with code %s', (value, code) => {
    expect(() => yuanToFen(value)).toThrow(DomainError);
    expect(() => yuanToFen(value)).toThrow(expect.objectContaining({ code, kind: 'invalid' }));
  });

  it('lets a record state amounts up to 9,999,999,999.99 yuan, and still reads larger ones stored before', () => {
    expect(isYuanString('9999999999.99')).toBe(true);
    expect(isYuanString('10000000000.00')).toBe(false);
    expect(yuanToFen('10000000000.00')).toBe(1000000000000n);
  });
});
