export class TxParseError extends Error {
  override readonly name = 'TxParseError';
}
