// Bitaxe: which bitaxe-raw build is on the control port, against the bridge protocol's own test
// vectors (bitaxeorg/bitaxe-raw src/bridge_protocol.rs at 4678127: request `[6, 0, 0x2a, 0, 0, 1]`,
// info payload `[1, 1, 0, 5, "1.2.3"]`) served by the emulated firmware, and what the board does
// with it (a bridge build keeps the chain at the reset rate). Compac F: the reset line is the
// FT-X CBUS gpiochip ("ftdi-cbus", ftdi_sio.c ftdi_gpio_init); without it the board says why.
import { describe, expect, it } from 'vitest';
import { BitaxeRawFirmware } from '../../../board/emulated/bitaxe-raw-firmware.js';
import { EmulatedI2cBus } from '../../../board/emulated/i2c-bus.js';
import { emulatedBitaxeGamma, emulatedGekkoCompacF } from '../../../board/emulated-boards.js';
import { gekkoCompacF } from '../../../board/gekko-compac-f.js';
import { openBoard } from '../../../board/open.js';
import { BoardError } from '../../../board/types.js';
import { RESET_BAUD } from '../../../drivers/asic/registers.js';
import { decodeBridgeInfo, probeBitaxeRawVariant } from '../../../drivers/transport/bitaxe-raw-variant.js';
import { encodeBitaxeRawRequest } from '../../../drivers/transport/i2c-bitaxe-raw.js';
import { linkedPair } from '../../../drivers/transport/in-process-link.js';

describe('bitaxe-raw variant', () => {
  it('the request is the bridge protocol\'s own vector', () => {
    expect([...encodeBitaxeRawRequest(0x2a, 0x00, 0x01, [])]).toEqual([6, 0, 0x2a, 0, 0, 1]);
  });

  it('decodes the bridge info vector and refuses a non-printable version', () => {
    const frame = (payload: number[]) => Uint8Array.of(3 + payload.length, 0, 0xfe, ...payload);
    expect(decodeBridgeInfo(frame([1, 1, 0, 5, ...Buffer.from('1.2.3')]))).toEqual({ variant: 'bridge', protocol: { major: 1, minor: 0 }, version: '1.2.3' });
    expect(decodeBridgeInfo(frame([1, 1, 0, 1, 0x0a]))).toBeNull();
    expect(decodeBridgeInfo(frame([0x11]))).toBeNull();
  });

  it.each([
    ['bridge build', 'v1', { major: 1, minor: 0, version: '0.3.1' }, 'bridge'],
    ['classic v1', 'v1', undefined, 'classic'],
    ['classic v0', 'v0', undefined, 'classic'],
  ] as const)('%s answers as %s', async (_, format, bridge, variant) => {
    const [host, device] = linkedPair(115_200);
    new BitaxeRawFirmware(device, new EmulatedI2cBus(), new Map(), format, bridge);
    const v = await probeBitaxeRawVariant(host, 5000);
    expect(v.variant).toBe(variant);
    if (v.variant === 'bridge') expect(v.version).toBe('0.3.1');
    await host.close();
  });

  it('a silent port counts as classic once the probe times out', async () => {
    const [host] = linkedPair(115_200);
    expect(await probeBitaxeRawVariant(host, 20)).toEqual({ variant: 'classic' });
    await host.close();
  });

  it('the Bitaxe on a bridge build keeps its chain at the reset rate; on the classic build the board rate stands', async () => {
    const bridge = await openBoard(emulatedBitaxeGamma, { emulation: { bitaxeRawBridge: { major: 1, minor: 0, version: '0.3.1' } } });
    expect(bridge.bitaxeRaw.get('emulated')?.variant).toBe('bridge');
    expect(bridge.chains[0]!.maxBaud).toBe(RESET_BAUD);
    await bridge.close();
    const classic = await openBoard(emulatedBitaxeGamma);
    expect(classic.bitaxeRaw.get('emulated')?.variant).toBe('classic');
    expect(classic.chains[0]!.maxBaud).toBeUndefined();
    await classic.close();
  });
});

describe('Compac F reset through the FTDI CBUS gpiochip', () => {
  it('without an "ftdi-cbus" chip the real board does not open and says what to do', async () => {
    await expect(openBoard(gekkoCompacF)).rejects.toThrow(BoardError);
    await expect(openBoard(gekkoCompacF)).rejects.toThrow(/ftdi-cbus.*EEPROM sets them to GPIO/);
  });

  it('the emulated stick has the reset line, held at open', async () => {
    const hw = await openBoard(emulatedGekkoCompacF);
    expect(hw.chains[0]!.reset).not.toBeNull();
    expect(hw.emulated!.inReset(0)).toBe(true);
    await hw.close();
  });
});
