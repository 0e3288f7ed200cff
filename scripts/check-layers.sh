#!/usr/bin/env bash
# Checks the layering of src/ (docs/architecture.md, "Layers"): each folder of the library includes only the folders
# listed for it below, the library never includes the application (src/cli), and the Python modules only the
# selector library (cords_module.cpp) and the strategies (train_module.cpp: also train/strategies.h and
# train/strategy_table.h). Each folder's own CMakeLists.txt links only the targets of the folders it may include.
# Prints every include or link that breaks a rule and exits 1; exits 0 when there is none.
#   scripts/check-layers.sh [SOURCE_DIR]
set -euo pipefail
src=${1:-$(cd "$(dirname "$0")/.." && pwd)}/src
declare -A allowed=(
  [core]=""
  [select]="core"
  [accel]="core select"
  [segment]="core"
  [embed]="core accel"
  [decode]="core segment"
  [output]="core decode"
  [plugin]="core embed"
  [pipeline]="core select segment embed plugin decode output"
  [train]="core select accel embed plugin"
)
bad=0
for dir in "$src"/cords/*/; do
  layer=$(basename "$dir")
  if [ -z "${allowed[$layer]+x}" ]; then
    echo "check-layers: src/cords/$layer is not in the table (scripts/check-layers.sh, docs/architecture.md)"
    bad=1
    continue
  fi
  while IFS=: read -r file line inc; do
    target=$(sed -E 's/.*#include "(cords\/)?([a-z_]+)\/.*/\2/' <<<"$inc")
    [ "$target" = "$layer" ] && continue
    if [ "$target" = cli ] || [[ " ${allowed[$layer]} " != *" $target "* ]]; then
      echo "check-layers: ${file#"$src"/}:$line: $layer may not include $target ($(sed -E 's/^ *//' <<<"$inc"))"
      bad=1
    fi
  done < <(grep -rnE '^ *#include "(cords/[a-z_]+|cli)/' "$dir" || true)
done
while IFS=: read -r file line inc; do
  target=$(sed -E 's/.*#include "(cords\/)?([a-z_]+)\/.*/\2/' <<<"$inc")
  [[ "$file" == */train_module.cpp && ( "$inc" == *'"cords/train/strategies.h"'* || "$inc" == *'"cords/train/strategy_table.h"'* ) ]] && continue
  if [ "$target" != core ] && [ "$target" != select ]; then
    echo "check-layers: ${file#"$src"/}:$line: the Python modules may include only core and select, and train_module.cpp train/strategies.h and train/strategy_table.h ($inc)"
    bad=1
  fi
done < <(grep -rnE '^ *#include "(cords/[a-z_]+|cli)/' "$src/python" || true)
# The build graph is the layer graph: each folder's CMakeLists.txt links only the targets of the folders it may include.
declare -A folder_of=(
  [cords_core]=core [cords_select]=select [cords_accel]=accel [cords_accel_cuda]=accel [cords_segment]=segment
  [cords_embed]=embed [cords_embed_torch]=embed [cords_embed_factory]=plugin [cords_decode]=decode
  [cords_output]=output [cords_pipeline]=pipeline [cords_strategies]=train [cords_train]=train
)
for dir in "$src"/cords/*/; do
  layer=$(basename "$dir")
  lists="$dir/CMakeLists.txt"
  if [ ! -f "$lists" ]; then
    echo "check-layers: src/cords/$layer has no CMakeLists.txt of its own (one target per folder)"
    bad=1
    continue
  fi
  for target in $(tr -s ' ()\n' '\n' < "$lists" | grep -E '^cords_[a-z_]+$' | sort -u); do
    [ -n "${folder_of[$target]+x}" ] || continue  # (cords_warnings, cords_optimize: build flags)
    dep=${folder_of[$target]}
    [ "$dep" = "$layer" ] && continue
    if [[ " ${allowed[$layer]} " != *" $dep "* ]]; then
      echo "check-layers: src/cords/$layer/CMakeLists.txt links $target ($dep), which $layer may not use"
      bad=1
    fi
  done
done
[ $bad = 0 ] && echo "check-layers: every include of src/cords and src/python, and every link of src/cords, follows the table"
exit $bad
