#!/usr/bin/env bash
# Seeds every target's corpus (fuzz/corpus/<target>/) with the spec suite's modules and
# the .wasm files under ../shared/wasm. Run from anywhere; needs only cargo.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$here/.."
seeds="$here/corpus/_seeds"
rm -rf "$seeds"
(cd "$root" && cargo run -q -p wamr-diff --example seed_corpus -- "$seeds" "$root/../shared/wasm")
for t in differential validate aot_image interp_exec aot_exec; do
  mkdir -p "$here/corpus/$t"
  cp -n "$seeds"/*.wasm "$here/corpus/$t/" 2>/dev/null || true
done
rm -rf "$seeds"
echo "corpora: $(ls "$here/corpus/validate" | wc -l) seeds per target in $here/corpus/"
