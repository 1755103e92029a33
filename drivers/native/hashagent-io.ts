// Loads the project's native addon (native/hashagent-io, built by scripts/build-native.mjs) for
// the architecture Node runs on, the way serialport's bindings resolve their prebuilt binaries:
// look for `<platform>-<arch>/hashagent_io.node` under a native/ folder next to the code (the
// bundle in dist/, or dist/native when running from source), or under HASHAGENT_NATIVE_DIR.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** An opaque mmap()ed window (unmapped by munmap or when garbage collected). */
export type Mapping = { readonly __mapping: unique symbol };

export interface GpioLineInfo {
  name: string;
  consumer: string;
  used: boolean;
  output: boolean;
  activeLow: boolean;
}

/** What the addon exports (native/hashagent-io/hashagent_io.c). Errors carry `code` (errno name) and `syscall`. */
export interface HashagentIo {
  readonly abi: number;
  open(path: string, writable: boolean): number;
  close(fd: number): void;
  mmap(fd: number, length: number, offset: number): Mapping;
  munmap(m: Mapping): void;
  read32(m: Mapping, offset: number): number;
  write32(m: Mapping, offset: number, value: number): void;
  irqUnmask(fd: number): void;
  /** Resolves with the fds whose interrupt fired (their event count consumed), [] on timeout. */
  waitIrq(fds: number[], timeoutMs: number): Promise<number[]>;
  gpioChipInfo(fd: number): { name: string; label: string; lines: number };
  gpioLineInfo(fd: number, offset: number): GpioLineInfo;
  gpioRequest(chipFd: number, offsets: number[], consumer: string, output: boolean, activeLow: boolean, initialBits: number): number;
  gpioGet(lineFd: number, mask: number): number;
  gpioSet(lineFd: number, mask: number, bits: number): void;
}

export class NativeAddonError extends Error {
  override readonly name = 'NativeAddonError';
}

/** The folder name the build writes for this platform and architecture (linux-x64, linux-arm). */
export const nativeTarget = (platform: string = process.platform, arch: string = process.arch): string => `${platform}-${arch}`;

const FILE = 'hashagent_io.node';

/** Where the addon may be, nearest first: HASHAGENT_NATIVE_DIR, then native/ and dist/native/ in every folder above this module. */
export function candidatePaths(from: string, target: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const out: string[] = [];
  if (env.HASHAGENT_NATIVE_DIR) out.push(join(env.HASHAGENT_NATIVE_DIR, target, FILE));
  for (let dir = from; ; dir = dirname(dir)) {
    out.push(join(dir, 'native', target, FILE), join(dir, 'dist', 'native', target, FILE));
    if (dirname(dir) === dir) break;
  }
  return out;
}

let loaded: HashagentIo | null = null;

/** The addon for this process's architecture; a NativeAddonError names what is missing. */
export function hashagentIo(): HashagentIo {
  if (loaded) return loaded;
  const target = nativeTarget();
  const here = dirname(fileURLToPath(import.meta.url));
  const paths = candidatePaths(here, target);
  const path = paths.find((p) => existsSync(p));
  if (!path) {
    throw new NativeAddonError(
      `the native addon for ${target} (${FILE}) is not installed: looked in ${paths.slice(0, 4).join(', ')}, …; build it with \`node scripts/build-native.mjs\` (needs gcc${target === 'linux-arm' ? '-arm-linux-gnueabihf' : ''}) or set HASHAGENT_NATIVE_DIR`,
    );
  }
  try {
    loaded = createRequire(import.meta.url)(path) as HashagentIo;
  } catch (e) {
    throw new NativeAddonError(`the native addon ${path} does not load on ${target}: ${(e as Error).message}`);
  }
  return loaded;
}
