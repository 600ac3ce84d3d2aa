export type { MemoryReplayBrokerOptions, MemoryReplayResults } from './memory-replay-broker.js';
export { MemoryReplayBroker, makeBars } from './memory-replay-broker.js';
