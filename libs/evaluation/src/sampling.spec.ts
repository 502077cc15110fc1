import { drawSample } from './sampling.js';

const roll = (n: number) => Array.from({ length: n }, (_, i) => `H${String(i).padStart(4, '0')}`);

describe('satisfaction sampling (不少于 100 户；不足 100 户全覆盖)', () => {
  it('draws exactly the minimum, all distinct, all from the roll', () => {
    const sample = drawSample(roll(1000), 'seed-1', 100);
    expect(sample).toHaveLength(100);
    expect(new Set(sample).size).toBe(100);
    expect(sample.every((h) => roll(1000).includes(h))).toBe(true);
  });

  it('is reproducible from the seed, whatever the order of the roll', () => {
    expect(drawSample([...roll(500)].reverse(), 'seed-1', 100)).toEqual(drawSample(roll(500), 'seed-1', 100));
  });

  it('draws another sample with another seed', () => {
    expect(drawSample(roll(500), 'seed-2', 100)).not.toEqual(drawSample(roll(500), 'seed-1', 100));
  });

  it('takes every household when there are fewer than the minimum, or exactly as many', () => {
    expect(drawSample(roll(40), 'x', 100)).toEqual(roll(40));
    expect(drawSample(roll(100), 'x', 100)).toEqual(roll(100));
  });
});
