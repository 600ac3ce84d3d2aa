import { mergeConfig } from 'vitest/config';
import { sharedVitestConfig } from '../../vitest.shared.js';

export default mergeConfig(sharedVitestConfig, {
  test: {
    // CLI tests run the built binary, as users do: build it first when dist is missing or stale.
    globalSetup: ['test/global-setup.ts'],
    // The crash-point matrix (kill -9 of a live bot at six points); mergeConfig adds it to the shared include.
    include: ['test/crash-matrix.e2e.ts'],
  },
});
