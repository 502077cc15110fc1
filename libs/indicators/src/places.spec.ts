import { addDrawing, areaOf, areaSegments, BEGINNING, type Drawing } from './places.js';

const area = (code: string, communities: string[]) => ({ code, name: code, communities: communities.map((c) => ({ code: c, name: c })) });
const drawings: Drawing[] = addDrawing([{ effectiveFrom: BEGINNING, areas: [area('A1', ['c1', 'c2']), area('A2', ['c3'])] }], {
  effectiveFrom: '2025-01-01',
  areas: [area('A1', ['c1']), area('A2', ['c2', 'c3'])],
});

describe('areas drawn over time', () => {
  it('places a community in the area drawn for the day of service', () => {
    expect(areaOf(drawings, 'c2', '2024-12-31')).toBe('A1');
    expect(areaOf(drawings, 'c2', '2025-01-01')).toBe('A2');
    expect(areaOf(drawings, 'c9', '2025-01-01')).toBeUndefined();
  });

  it('cuts an area into community pieces within a period', () => {
    expect(areaSegments(drawings, 'A2', '2024-06-01', '2025-03-31')).toEqual([
      { community: 'c3', from: '2024-06-01', to: '2024-12-31' },
      { community: 'c2', from: '2025-01-01', to: '2025-03-31' },
      { community: 'c3', from: '2025-01-01', to: '2025-03-31' },
    ]);
    expect(areaSegments(drawings, 'A1', '2025-02-01', '2025-02-28')).toEqual([{ community: 'c1', from: '2025-02-01', to: '2025-02-28' }]);
  });
});
