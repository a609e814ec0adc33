#!/usr/bin/env bash
# Rebuilds the SIMD test programs and their expected output. Needs Debian's clang-19,
# lld-19 and wasi-libc (apt-get install clang-19 lld-19 wasi-libc
# libclang-rt-19-dev-wasm32). Each program is built for WASI with SIMD (NAME.wasm; hash
# also with relaxed SIMD, hash-relaxed.wasm) and natively; the native build's output,
# with the argument in NAME.args, is NAME.stdout.expected, which the wasm builds must
# print in both engines (wasi/tests/simd_programs.rs); with the larger argument in
# NAME.bench.args it is NAME.bench.stdout.expected, for the benchmark report. Floats are never contracted into
# fused multiply-adds, so the native and wasm builds compute the same thing.
set -euo pipefail
cd "$(dirname "$0")"
CC=${CC:-clang-19}
flags=(-O3 -ffp-contract=off)
wasm() { "$CC" --target=wasm32-wasi --sysroot=/usr -fuse-ld=lld "${flags[@]}" -msimd128 "$@"; }
native=$(mktemp -d)
trap 'rm -rf "$native"' EXIT
for name in kernels hash blur; do
  wasm "$name.c" -o "$name.wasm" -lm
  "$CC" "${flags[@]}" "$name.c" -o "$native/$name" -lm
  "$native/$name" $(cat "$name.args") > "$name.stdout.expected"
  "$native/$name" $(cat "$name.bench.args") > "$name.bench.stdout.expected"
done
wasm -mrelaxed-simd hash.c -o hash-relaxed.wasm -lm
for f in args stdout.expected bench.args bench.stdout.expected; do
  cp "hash.$f" "hash-relaxed.$f"
done
