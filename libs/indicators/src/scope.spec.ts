import { formatScope, parseScope } from './scope.js';

describe('scopes', () => {
  it.each(['city', 'district:440111', 'station:SYL', 'area:SYL/A1', 'community:SYL/songbaigang'])('reads and writes %s', (text) => {
    expect(formatScope(parseScope(text))).toBe(text);
  });

  it.each(['', 'town:1', 'station', 'station:', 'station:A/B', 'area:SYL', 'community:SYL/', 'district:44 01'])('refuses %j as bad_scope', (text) => {
    expect(() => parseScope(text)).toThrow(expect.objectContaining({ kind: 'invalid', code: 'bad_scope' }));
  });
});
