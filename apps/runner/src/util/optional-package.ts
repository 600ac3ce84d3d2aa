import { BtError } from '@bt/core';

/**
 * True when `error` (thrown by `import(name)`) says that the package `name` itself is not
 * installed, rather than one of the packages it imports.
 */
export function isMissingPackage(error: unknown, name: string): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') return false;
  return (error as Error).message.includes(`'${name}'`);
}

/**
 * Imports the optional package `name`, which `what` (e.g. `bt emulate`) needs.
 *
 * @throws BtError `NOT_SUPPORTED` that says how to install the package when it is missing, or why it
 * could not be loaded.
 *
 * @example
 * ```ts
 * const emulator = await importOptionalPackage<typeof import('@bt/exchange-emulator')>('@bt/exchange-emulator', 'bt emulate');
 * ```
 */
export async function importOptionalPackage<T>(
  name: string,
  what: string,
  importer: (name: string) => Promise<unknown> = (n) => import(n),
): Promise<T> {
  try {
    return (await importer(name)) as T;
  } catch (error) {
    if (isMissingPackage(error, name)) {
      throw new BtError('NOT_SUPPORTED', `${what} needs the ${name} package, which is not installed: npm install ${name}`, {
        cause: error,
        details: { package: name },
      });
    }
    throw new BtError('NOT_SUPPORTED', `${what}: cannot load ${name}: ${(error as Error).message}`, {
      cause: error,
      details: { package: name },
    });
  }
}
