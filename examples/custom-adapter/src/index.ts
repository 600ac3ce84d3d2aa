export type { RestBinanceBrokerOptions } from './broker.js';
export { createRestBinanceBroker, RestBinanceBroker } from './broker.js';
export type { BinanceRestClientOptions, HttpMethod } from './http-client.js';
export { BinanceRestClient, venueError } from './http-client.js';
export type { Params } from './signing.js';
export { signQuery, toQueryString } from './signing.js';
