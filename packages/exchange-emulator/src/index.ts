export type { ApiKey } from './binance/auth.js';
export type { LockstepOptions, LockstepResult, VirtualClockState } from './clock/virtual-clock.js';
export { isVirtualClock, VirtualClock } from './clock/virtual-clock.js';
export type { DataFile } from './data/sources.js';
export { symbolFromFileName } from './data/sources.js';
export type { CcxtOptions, EmulatorControl, EmulatorOptions, RestartOptions, RestartReport, RunningEmulator } from './emulator.js';
export { ccxtOptions, DEFAULT_FEES, startEmulator } from './emulator.js';
export type { ClientOrderIdRule, MatchingSettings } from './exchange/exchange.js';
export type {
  DropWebSocketsFault,
  FaultConfig,
  FaultEvent,
  FaultKind,
  FaultState,
  LatencyFault,
  PartialFillsFault,
  RateLimitFault,
  RejectOrdersFault,
  RequestMatcher,
  ServerErrorFault,
  TimeoutFault,
} from './faults.js';
export { CONTROL_TOKEN_ENV, CONTROL_TOKEN_HEADER } from './http/control-guard.js';
