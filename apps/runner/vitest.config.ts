import { mergeConfig } from 'vitest/config';
import { sharedVitestConfig } from '../../vitest.shared.js';

export default mergeConfig(sharedVitestConfig, {
  test: {
    // CLI tests run the built binary, as users do: build it first when dist is missing or stale.
    globalSetup: ['test/global-setup.ts'],
  },
});
