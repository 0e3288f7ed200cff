#!/usr/bin/env bash
# The selector library as another project sees it: installs the build tree into a temporary prefix, then builds
# examples/select_consumer with find_package(cords CONFIG) and a one-file program with pkg-config, and runs both.
#   tests/install_consumer.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1 src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/prefix" >/dev/null
test -f "$work/prefix/include/cords/select/selection.h"
test -f "$work/prefix/lib/cmake/cords/cordsConfig.cmake"
if [ -x "$work/prefix/bin/cords-summarize" ]; then  # with the executable: its completion, and its man page
  test -f "$work/prefix/share/bash-completion/completions/cords-summarize"
  bash -n "$work/prefix/share/bash-completion/completions/cords-summarize"
  grep -q -- 'SELECT OPTIONS' "$work/prefix/share/man/man1/cords-summarize.1"  # made by cords-summarize --man
fi
! grep -q -- '-march=native' "$work/prefix/lib/cmake/cords/"*.cmake  # build-only flags stay out of the export
cmake -S "$src/examples/select_consumer" -B "$work/example" -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/example" >/dev/null
"$work/example/select_consumer"
PKG_CONFIG_PATH="$work/prefix/lib/pkgconfig" pkg-config --exists cords
g++ -std=c++17 "$src/examples/select_consumer/main.cpp" -o "$work/pc_consumer" \
  $(PKG_CONFIG_PATH="$work/prefix/lib/pkgconfig" pkg-config --cflags --libs cords)
"$work/pc_consumer" >/dev/null
echo "install_consumer: find_package and pkg-config consumers built and ran"
