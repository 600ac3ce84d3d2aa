export type { ApiKey } from './binance/auth.js';
export type { LockstepOptions, LockstepResult, VirtualClockState } from './clock/virtual-clock.js';
export { isVirtualClock, VirtualClock } from './clock/virtual-clock.js';
export type { DataFile } from './data/sources.js';
export { symbolFromFileName } from './data/sources.js';
export type { CcxtOptions, EmulatorControl, EmulatorOptions, RunningEmulator } from './emulator.js';
export { ccxtOptions, DEFAULT_FEES, startEmulator } from './emulator.js';
export type { MatchingSettings } from './exchange/exchange.js';
export type {
  DropWebSocketsFault,
  FaultConfig,
  FaultEvent,
  FaultKind,
  FaultState,
  LatencyFault,
  RateLimitFault,
  RejectOrdersFault,
  RequestMatcher,
  ServerErrorFault,
  TimeoutFault,
} from './faults.js';
