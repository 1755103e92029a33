// The native addons that have no armv7 prebuild (i2c-bus; epoll, under onoff), cross-compiled
// with gcc-arm-linux-gnueabihf against Debian's armhf Node headers (libnode-dev), the way their
// binding.gyp builds them: one C++ source each, nan headers, a shared object that `bindings`
// finds at build/Release/<target>.node. node-gyp is not used: it would download headers.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

const ADDONS = [
  { pkg: 'i2c-bus', target: 'i2c', sources: ['src/i2c.cc'] },
  { pkg: 'epoll', target: 'epoll', sources: ['src/epoll.cc'] },
];

/**
 * Builds each addon into `outModules/<pkg>/build/Release/<target>.node`.
 * @param {{ repo: string, nodeHeaders: string, outModules: string, log?: (l: string) => void }} o
 */
export function buildArmAddons(o) {
  if (!existsSync(join(o.nodeHeaders, 'node.h'))) throw new Error(`no Node headers at ${o.nodeHeaders} (Debian's libnode-dev:armhf)`);
  const built = [];
  for (const a of ADDONS) {
    const src = join(o.repo, 'node_modules', a.pkg);
    const dest = join(o.outModules, a.pkg, 'build/Release');
    mkdirSync(dest, { recursive: true });
    const out = join(dest, `${a.target}.node`);
    execFileSync('arm-linux-gnueabihf-g++', [
      '-shared', '-fPIC', '-O2', '-std=gnu++17', '-march=armv7-a', '-mfpu=vfpv3-d16', '-mfloat-abi=hard',
      '-Wno-deprecated-declarations', '-Wno-cast-function-type',
      `-DNODE_GYP_MODULE_NAME=${a.target}`, '-DBUILDING_NODE_EXTENSION', '-D_LARGEFILE_SOURCE', '-D_FILE_OFFSET_BITS=64',
      `-I${o.nodeHeaders}`, `-I${join(o.repo, 'node_modules/nan')}`,
      // uv.h and friends (libuv1-dev) after the cross toolchain's own headers
      `-idirafter`, join(o.nodeHeaders, '..'),
      ...a.sources.map((s) => join(src, s)), '-o', out, '-s',
    ], { stdio: 'inherit' });
    o.log?.(`built ${a.pkg} for armv7: ${out}`);
    built.push(`${a.pkg}/build/Release/${a.target}.node`);
  }
  return built;
}
