import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

// docs/write-your-own-adapter.md holds every file of its project in full: a `<!-- file: <path> -->`
// line, then a ```` block. guide/ is that project, file for file, so that the monorepo lints,
// typechecks and tests the guide's code on every change; the root's test/adapter-guide.test.ts runs
// the same files against the published tarballs.
const root = join(import.meta.dirname, '..', '..', '..');
const project = join(import.meta.dirname, '..', 'guide');
const guide = readFileSync(join(root, 'docs', 'write-your-own-adapter.md'), 'utf8');
const blocks = new Map(
  [...guide.matchAll(/<!-- file: (\S+) -->\n````\w*\n([\s\S]*?)\n````\n/g)].map(([, path, text]) => [path as string, `${text}\n`]),
);

/** Every file under `dir`, as a path relative to `project`. */
function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? files(join(dir, entry.name)) : [relative(project, join(dir, entry.name))],
  );
}

describe('the guide holds guide/ as it is', () => {
  it('has a block for every file of guide/, and no other', () => {
    expect([...blocks.keys()].sort()).toEqual(files(project).sort());
  });

  it.each([...blocks.keys()])('%s', (path) => {
    expect(blocks.get(path)).toBe(readFileSync(join(project, path), 'utf8'));
  });
});
