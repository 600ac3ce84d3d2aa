export type { StrategySource } from './config/check.js';
export { checkConfig, isModuleReference } from './config/check.js';
export { embeddedDefaultConfig, sampleDataDir } from './config/default-config.js';
export { interpolateEnv } from './config/interpolate.js';
export type { ConfigPath, Problem } from './config/issues.js';
export { formatPath } from './config/issues.js';
export { configJsonSchema, configJsonSchemaText } from './config/json-schema.js';
export type { ConfigOptions, LoadedConfig } from './config/load.js';
export { loadConfig, parseConfig, resolveConfigPaths } from './config/load.js';
export type {
  BrokerConfig,
  BtConfig,
  BtConfigInput,
  CcxtBrokerConfig,
  LiveClockSetting,
  LogLevel,
  PaperBrokerConfig,
  SimBrokerConfig,
  StrategyEntry,
  SymbolEntry,
  TimeModeName,
} from './config/schema.js';
export { configSchema } from './config/schema.js';
export { REDACTED, Redactor } from './config/secrets.js';
export type { RunLogger, RunLoggerOptions } from './logging/logger.js';
export { createRunLogger } from './logging/logger.js';
export { REPORT_FILE, writeReport } from './report/report.js';
export type { SymbolBarStats } from './run/bar-watch.js';
export type { LiveBrokerFactory, LiveBrokerOptions } from './run/live.js';
export { LIVE_BROKER_PACKAGE } from './run/live.js';
export { runFromConfig } from './run/run-from-config.js';
export type { ModuleLoader, StrategyFactory, StrategyModuleExport } from './run/strategies.js';
export { buildSymbolConfigs } from './run/strategies.js';
export type { LiveSummary, RunOptions, RunOutcome, RunStatus, RunSummary } from './run/types.js';
export type { ChosenClock } from './run/venue-clock.js';
export { FollowedClock, LockstepClock } from './run/venue-clock.js';
