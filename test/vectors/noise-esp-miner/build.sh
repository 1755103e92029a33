#!/usr/bin/env bash
# Builds the harness around ESP-Miner's sv2_noise.c. Arguments: a checkout of bitaxeorg/ESP-Miner
# at 5a3afba3abb2101d3cc9aa6e4f1bd42be2dd902b (the last sv2_noise.c on the mbedtls 2/3 API) and
# a checkout of bitcoin-core/secp256k1 at 0cdc758a56360bf58a851fe91085a327ec97685a (the commit
# ESP-Miner pins as its submodule). Needs gcc and Debian's libmbedtls-dev. Output: ./harness-bin.
set -euo pipefail
esp="$1"
secp="$2"
here="$(cd "$(dirname "$0")" && pwd)"
out="${3:-$here/harness-bin}"
gcc -O1 -w -o "$out" \
  -DECMULT_WINDOW_SIZE=4 -DECMULT_GEN_PREC_BITS=2 -DCOMB_BLOCKS=11 -DCOMB_TEETH=6 \
  -DENABLE_MODULE_ELLSWIFT=1 -DENABLE_MODULE_SCHNORRSIG=1 -DENABLE_MODULE_EXTRAKEYS=1 \
  -I"$here/stub" -I"$esp/components/stratum_v2/include" -I"$secp/include" -I"$secp" -I"$secp/src" \
  "$here/harness.c" "$esp/components/stratum_v2/sv2_noise.c" \
  "$secp/src/secp256k1.c" "$secp/src/precomputed_ecmult.c" "$secp/src/precomputed_ecmult_gen.c" \
  -lmbedcrypto
