/** Mulberry32: a small seeded PRNG, so "random" test schedules are reproducible. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Awaits a random mix of microtask and macrotask turns, to shuffle how concurrent loops interleave. */
export async function randomAwaits(random: () => number): Promise<void> {
  const turns = Math.floor(random() * 4);
  for (let i = 0; i < turns; i++) {
    if (random() < 0.3) await new Promise<void>((resolve) => setImmediate(resolve));
    else await Promise.resolve();
  }
}
