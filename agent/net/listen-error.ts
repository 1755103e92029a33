// A listener the configuration names could not be opened: which key, which address, why. One
// error for every role (pool, translator, the agent's HTTP and cgminer ports), so each CLI turns
// it into exit 2 the same way.

const WHY: Record<string, string> = {
  EADDRINUSE: 'the port is in use',
  EACCES: 'permission denied',
  EADDRNOTAVAIL: 'no such local address',
};

export class ListenError extends Error {
  override readonly name = 'ListenError';
  constructor(
    readonly key: string,
    readonly address: string,
    readonly code: string,
  ) {
    super(`${key}: cannot listen on ${address}: ${code}${WHY[code] ? ` (${WHY[code]})` : ''}`);
  }
}

/** `listening`, with a failure to bind turned into a ListenError naming `key` and `address`. */
export async function listenAs<T>(key: string, address: string, listening: Promise<T>): Promise<T> {
  try {
    return await listening;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code) throw new ListenError(key, address, code);
    throw e;
  }
}
