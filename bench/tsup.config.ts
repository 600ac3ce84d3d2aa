import { defineConfig } from 'tsup';

/**
 * The bench is bundled with the workspace packages compiled from their `source` export condition,
 * by the same esbuild (target node20) that builds their dist: it always measures the current
 * source, with no stale dist possible, and runs on plain Node.
 */
export default defineConfig({
  entry: { main: 'src/main.ts', 'memory-child': 'src/memory-child.ts', 'path-child': 'src/path-child.ts', probe: 'src/probe.ts' },
  format: ['esm'],
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  clean: true,
  dts: false,
  splitting: true,
  noExternal: [/^@bt\//],
  esbuildOptions(options) {
    options.conditions = ['source'];
  },
});
