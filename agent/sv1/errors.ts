// The typed error of the SV1 codec: malformed lines, JSON or parameters never throw anything else.
export type Sv1ErrorCode = 'line-too-long' | 'invalid-json' | 'not-a-message' | 'bad-params' | 'bad-hex' | 'unknown-method';

export class Sv1Error extends Error {
  override readonly name = 'Sv1Error';
  constructor(
    readonly code: Sv1ErrorCode,
    message: string,
    /** The id of the request whose parameters were bad, so it can still be answered. */
    readonly requestId: number | string | null = null,
  ) {
    super(message);
  }
}
