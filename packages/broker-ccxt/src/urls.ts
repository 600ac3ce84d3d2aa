import type { CcxtUrlOverrides } from './options.js';

type UrlTree = { [key: string]: unknown };

/**
 * Points a ccxt `urls.api` tree at other hosts: every http(s) URL gets the origin of
 * `overrides.rest`, every ws(s) URL the origin of `overrides.ws`; paths and queries are kept. So
 * `https://api.binance.com/api/v3` becomes `http://127.0.0.1:8080/api/v3`. Mutates `tree`.
 * Returns the number of URLs changed.
 */
export function overrideUrls(tree: UrlTree, overrides: CcxtUrlOverrides): number {
  const rest = overrides.rest === undefined ? undefined : new URL(overrides.rest);
  const ws = overrides.ws === undefined ? undefined : new URL(overrides.ws);
  let changed = 0;
  const visit = (node: UrlTree): void => {
    for (const [key, value] of Object.entries(node)) {
      if (typeof value === 'object' && value !== null) {
        visit(value as UrlTree);
        continue;
      }
      if (typeof value !== 'string' || !URL.canParse(value)) continue;
      const url = new URL(value);
      const target =
        url.protocol === 'http:' || url.protocol === 'https:' ? rest : url.protocol === 'ws:' || url.protocol === 'wss:' ? ws : undefined;
      if (target === undefined) continue;
      node[key] = value.replace(ORIGIN, `${target.protocol}//${target.host}`);
      changed++;
    }
  };
  visit(tree);
  return changed;
}

/** Scheme and authority at the start of a URL. */
const ORIGIN = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i;
