#!/usr/bin/env bash
# Checks the size rules of docs/architecture.md ("Style"): a function in src/ is 60 lines at most, or says why in the
# comment just above it, with a line that starts "One piece:", and is never over 80 lines; a source file in src/cords
# is 600 lines at most. Prints each function or file that breaks a rule and exits 1; exits 0 when none does. Needs
# universal-ctags.
#   scripts/check-function-size.sh [SOURCE_DIR]
set -euo pipefail
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
limit=60
hard_limit=80
file_limit=600
ctags=$(command -v ctags-universal || command -v ctags || true)
[ -n "$ctags" ] || { echo "check-function-size: universal-ctags not found (scripts/install-deps.sh installs it)" >&2; exit 1; }
cd "$root"
bad=0
while read -r len file line name; do
  [ "$len" -gt "$limit" ] || continue
  if [ "$len" -gt "$hard_limit" ]; then
    echo "check-function-size: $file:$line $name is $len lines (over $hard_limit, the limit even for one piece)"
    bad=1
    continue
  fi
  # The comment block directly above the function (up to 6 lines) must give the reason.
  if ! sed -n "$((line > 6 ? line - 6 : 1)),$((line - 1))p" "$file" | grep -q '// One piece:'; then
    echo "check-function-size: $file:$line $name is $len lines (over $limit) without a '// One piece:' reason above it"
    bad=1
  fi
done < <("$ctags" --languages=C++ --fields=+ne --kinds-C++=f -f - -R src |
  awk -F'\t' '{l=0; e=0; for (i = 4; i <= NF; i++) { if ($i ~ /^line:/) l = substr($i, 6); if ($i ~ /^end:/) e = substr($i, 5) }
               if (l > 0 && e > 0) print e - l + 1, $2, l, $1}')
while read -r len file; do
  [ "$file" = total ] && continue
  if [ "$len" -gt "$file_limit" ]; then
    echo "check-function-size: $file is $len lines (over $file_limit): split it by what its parts do"
    bad=1
  fi
done < <(find src/cords -name '*.cpp' -o -name '*.h' | xargs wc -l)
exit "$bad"
