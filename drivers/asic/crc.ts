// The two CRCs of the BM13xx wire protocol (asic-hardware digest §1.4).

/** CRC5: poly x⁵+x²+1, init 0x1F, MSB first, no reflection, no final XOR. */
export function crc5(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = 0x1f;
  for (let i = start; i < end; i++) {
    const byte = bytes[i]!;
    for (let bit = 7; bit >= 0; bit--) {
      const inBit = (byte >> bit) & 1;
      const top = (crc >> 4) & 1;
      crc = (crc << 1) & 0x1f;
      if (inBit ^ top) crc ^= 0x05;
    }
  }
  return crc;
}

// Byte-at-a-time table: job frames (150 bytes) are CRC'd on every dispatch, in the new-block path.
const CRC16_TABLE = Uint16Array.from({ length: 256 }, (_, n) => {
  let c = n << 8;
  for (let bit = 0; bit < 8; bit++) c = c & 0x8000 ? ((c << 1) ^ 0x1021) & 0xffff : (c << 1) & 0xffff;
  return c;
});

/** CRC-16/CCITT-FALSE: poly 0x1021, init 0xFFFF, no reflection, no final XOR. */
export function crc16(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = 0xffff;
  for (let i = start; i < end; i++) crc = ((crc << 8) & 0xff00) ^ CRC16_TABLE[((crc >>> 8) ^ bytes[i]!) & 0xff]!;
  return crc;
}
