import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// docs/write-your-own-adapter.md quotes this example. Each block after a
// `<!-- quote: <path> -->` marker must still be in that file: line for line, ignoring indentation,
// with `// ...` marking what the quote leaves out.
const root = join(import.meta.dirname, '..', '..', '..');
const guide = readFileSync(join(root, 'docs', 'write-your-own-adapter.md'), 'utf8');
const quotes = [...guide.matchAll(/<!-- quote: (\S+) -->\n```\w*\n([\s\S]*?)\n```/g)].map(([, path, block]) => ({
  path: path as string,
  block: block as string,
}));

/** The text with each line's indentation removed. */
function unindent(text: string): string {
  return text
    .split('\n')
    .map((line) => line.trimStart())
    .join('\n');
}

describe('the guide quotes the example as it is', () => {
  it('has quotes', () => {
    expect(quotes.length).toBeGreaterThanOrEqual(10);
  });

  it.each(quotes.map((q, i) => [i + 1, q.path, q.block] as const))('quote %i, from %s', (_, path, block) => {
    const source = unindent(readFileSync(join(root, path), 'utf8'));
    for (const part of block.split(/^\s*\/\/ \.\.\.\n/m)) {
      expect(source, `${path} must contain:\n${part}`).toContain(unindent(part.trimEnd()));
    }
  });
});
