export { formatConformancePlan, planBrokerConformance } from './plan.js';
export { replayDriver, replayFixture } from './replay-driver.js';
export { runConformanceCase } from './run-case.js';
export { describeBrokerConformance } from './suite.js';
export type {
  BrokerConformanceFixture,
  BrokerConformanceOptions,
  ConformanceCapabilities,
  ConformanceCaseId,
  ConformanceCasePlan,
  ConformanceDriver,
  ConformancePlan,
  ConformancePlanOptions,
} from './types.js';
