import { defineConfig, mergeConfig } from 'vitest/config';
import { sharedVitestConfig } from '../../vitest.shared.js';

// The crash-point matrix alone (test/crash-matrix.e2e.ts): `npm run test:crash`. mergeConfig
// concatenates arrays, so the shared include is replaced after the merge, not merged into.
const config = mergeConfig(sharedVitestConfig, defineConfig({ test: { globalSetup: ['test/global-setup.ts'] } }));
config.test = { ...config.test, include: ['test/crash-matrix.e2e.ts'] };
export default config;
