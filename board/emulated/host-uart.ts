// The host's side of an emulated chain link: the rate a UART actually makes when the driver asks
// for one. A chip and a host more than 5 % apart (BAUD_TOLERANCE) see each other's bytes as garbage
// (drivers/transport/in-process-link.ts).
// - 'exact': a UART whose clock divides finely (the S9 bitstream's 50 MHz UART, an ESP32).
// - 'uart-3mhz': a 16× oversampled 48 MHz UART (AM335x, the S19 control boards): 3 MHz / n, so
//   3.125 Mbaud comes out as 3.0 (real-hardware.md §1b #7).
// - 'ftdi': Linux ftdi_sio on an FT-X (Compac F): above 3 Mbaud it falls back to 9600
//   (get_ftdi_divisor; real-hardware.md §1b #6); below, 3 MHz over an integer divisor (the
//   fractional divisors are left out: the rates that matter here are 3 M / n).
export type HostUart = 'exact' | 'uart-3mhz' | 'ftdi';

export function hostRate(uart: HostUart, requested: number): number {
  if (uart === 'exact') return requested;
  if (uart === 'ftdi' && requested > 3_000_000) return 9600;
  return 3_000_000 / Math.max(1, Math.round(3_000_000 / requested));
}
