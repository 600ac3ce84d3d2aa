import { mergeConfig } from 'vitest/config';
import { sharedVitestConfig } from '../../vitest.shared.js';

// guide/: the adapter of docs/write-your-own-adapter.md, file for file (test/guide.test.ts checks it).
export default mergeConfig(sharedVitestConfig, { test: { include: ['test/**/*.test.ts', 'guide/test/**/*.test.ts'] } });
