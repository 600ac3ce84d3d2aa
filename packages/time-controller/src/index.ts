export type {
  ArriveEvent,
  ControlEvent,
  StepEvent,
  StopEvent,
  TimeControllerEventName,
  TimeControllerEvents,
  TimeControllerListener,
} from './events.js';
export type { DurationStats, ParticipantMetrics, ParticipantStatus, TimeControllerMetrics } from './metrics.js';
export type { TimeControllerOptions, TimeControllerState } from './time-controller.js';
export { TimeController } from './time-controller.js';
export { isTimeMode, TIME_MODE_DELAY_MS, TimeMode } from './time-mode.js';
