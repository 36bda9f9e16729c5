#!/usr/bin/env bash
# Keeps what unfinished reproduction reruns have finished in experiments-in-progress/ (to commit), and puts it back
# into an experiments folder: a working session's machine does not keep its files (experiments-in-progress/README.md).
#   scripts/carry-experiments.sh save FIG...      runs/experiments/FIG → experiments-in-progress/FIG
#   scripts/carry-experiments.sh restore FIG...   experiments-in-progress/FIG → runs/experiments/FIG
# EXPERIMENTS=DIR changes runs/experiments. Models and decoder checkpoints are not kept (see the README).
set -euo pipefail
cd "$(dirname "$0")/.."
action=${1:-}
shift || true
from=${EXPERIMENTS:-runs/experiments}
kept=experiments-in-progress
if [[ $action != save && $action != restore ]] || [[ $# -eq 0 ]]; then
  echo "usage: scripts/carry-experiments.sh save|restore FIG..." >&2
  exit 2
fi
for fig in "$@"; do
  if [[ $action == restore ]]; then
    [[ -d $kept/$fig ]] || { echo "$kept/$fig: nothing kept for $fig" >&2; exit 1; }
    mkdir -p "$from/$fig"
    cp -r "$kept/$fig/." "$from/$fig/"
    echo "restored $fig into $from/$fig"
    continue
  fi
  src=$from/$fig
  [[ -d $src ]] || { echo "$src: no such experiment folder" >&2; exit 1; }
  # Written to a new folder first, so that a failed copy leaves the kept one as it was.
  next=$kept/.$fig.new
  rm -rf "$next"
  mkdir -p "$next/signatures" "$next/models"
  [[ -f $src/time.json ]] && cp "$src/time.json" "$next/"
  find "$src/signatures" -maxdepth 1 -type f \( -name '*.json' -o -name '*.recipe.sha256' -o -name '*.reused-from' \) \
    -exec cp {} "$next/signatures/" \;
  [[ -d $src/models ]] && find "$src/models" -maxdepth 1 -type f -name '*.reused-from' -exec cp {} "$next/models/" \;
  rmdir "$next/models" 2>/dev/null || true
  rm -rf "$kept/$fig"
  mv "$next" "$kept/$fig"
  echo "kept $fig: $(find "$kept/$fig/signatures" -name '*.json' ! -name '*.partial.json' | wc -l) finished signatures, $(find "$kept/$fig/signatures" -name '*.partial.json' | wc -l) unfinished with finished layers"
done
