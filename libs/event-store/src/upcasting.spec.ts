import { Upcasters } from './upcasting.js';

describe('upcasting', () => {
  const upcasters = new Upcasters([
    { type: 'VisitLogged', fromVersion: 1, upcast: (d) => ({ ...(d as object), entered: true }) },
    { type: 'VisitLogged', fromVersion: 2, upcast: (d) => ({ ...(d as object), channel: 'home' }) },
  ]);

  it('lifts a v1 event through every later version in order', () => {
    expect(upcasters.apply('VisitLogged', 1, { who: 'x' })).toEqual({ schemaVersion: 3, data: { who: 'x', entered: true, channel: 'home' } });
  });

  it('leaves current versions and other types alone', () => {
    expect(upcasters.apply('VisitLogged', 3, { who: 'x' })).toEqual({ schemaVersion: 3, data: { who: 'x' } });
    expect(upcasters.apply('Other', 1, 5)).toEqual({ schemaVersion: 1, data: 5 });
  });

  it('refuses two upcasters for the same step', () => {
    const step = { type: 'VisitLogged', fromVersion: 1, upcast: (d: unknown) => d };
    expect(() => new Upcasters([step, { ...step }])).toThrow(/two upcasters/);
  });
});
