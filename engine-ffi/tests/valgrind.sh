#!/usr/bin/env bash
# Runs the C end-to-end test (tests/c/route_call.c) under valgrind memcheck,
# linked against the shared library. Fails on any invalid read/write, use of
# uninitialised memory, or definite/indirect/possible leak.
#
#   bash engine-ffi/tests/valgrind.sh
#
# Kept out of `cargo test` because valgrind is slow and not everywhere.
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
target="${CARGO_TARGET_DIR:-$root/target}"
out="$target/acd-ffi-valgrind"
mkdir -p "$out"

cargo build -p acd-engine-ffi
"${CC:-cc}" -std=c11 -Wall -Wextra -Werror -pedantic -g \
    -I engine-ffi/include engine-ffi/tests/c/route_call.c \
    -L "$target/debug" -lacd -Wl,-rpath,"$target/debug" \
    -o "$out/route_call"

valgrind --tool=memcheck --leak-check=full \
    --show-leak-kinds=definite,indirect,possible \
    --errors-for-leak-kinds=definite,indirect,possible \
    --track-origins=yes --error-exitcode=1 \
    "$out/route_call"
echo "valgrind: clean"
