/**
 * Satisfaction survey sampling (服务对象满意度): at least `minimum` households drawn at random from the
 * station's roll, or every household when there are fewer (seed 003: 不少于 100 户，低于 100 的全覆盖).
 * The draw depends only on the roll and the seed, so anyone holding the stored seed can redo it.
 */
export function drawSample(population: readonly string[], seed: string, minimum: number): string[] {
  const roll = [...new Set(population)].sort();
  if (roll.length <= minimum) return roll;
  const random = seededRandom(seed);
  // Partial Fisher–Yates: the first `minimum` places end up a uniform sample without replacement.
  for (let i = 0; i < minimum; i += 1) {
    const j = i + Math.floor(random() * (roll.length - i));
    [roll[i], roll[j]] = [roll[j]!, roll[i]!];
  }
  return roll.slice(0, minimum).sort();
}

/** A small, well-mixed PRNG (xmur3 seeding + mulberry32): identical on every platform. */
function seededRandom(seed: string): () => number {
  let h = 1779033703 ^ seed.length;
  for (let i = 0; i < seed.length; i += 1) {
    h = Math.imul(h ^ seed.charCodeAt(i), 3432918353);
    h = (h << 13) | (h >>> 19);
  }
  let state = h >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Satisfaction rate: satisfied ÷ responses, exact as a fraction pair; null before any response. */
export function satisfactionRate(responses: readonly { satisfied: boolean }[]): { satisfied: number; responses: number } | null {
  if (responses.length === 0) return null;
  return { satisfied: responses.filter((r) => r.satisfied).length, responses: responses.length };
}
