// The native addon for tests: built from the current source for this machine (gcc is on every
// machine of the project), so a test never runs a stale binary.
import { buildTarget } from '../../scripts/build-native.mjs';
import { hashagentIo, nativeTarget, type HashagentIo } from '../../drivers/native/hashagent-io.js';

let built = false;

export function nativeIo(): HashagentIo {
  if (!built) {
    buildTarget(nativeTarget());
    built = true;
  }
  return hashagentIo();
}
