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

/** CRC-16/CCITT-FALSE: poly 0x1021, init 0xFFFF, no reflection, no final XOR. */
export function crc16(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = 0xffff;
  for (let i = start; i < end; i++) {
    crc ^= bytes[i]! << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}
