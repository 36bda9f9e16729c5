#!/usr/bin/env bash
# Keeps what unfinished reproduction reruns have finished in experiments-in-progress/ (to commit), and puts it back
# into an experiments folder: a working session's machine does not keep its files (experiments-in-progress/README.md).
#   scripts/carry-experiments.sh save FIG...      runs/experiments/FIG → experiments-in-progress/FIG
#   scripts/carry-experiments.sh restore FIG...   experiments-in-progress/FIG → runs/experiments/FIG
# EXPERIMENTS=DIR changes runs/experiments, KEPT=DIR experiments-in-progress. A language model is kept as a record
# (models/NAME/carried.json: its config, recipe and weights' sha256), not its weights; decoder checkpoints are not
# kept (see the README).
set -euo pipefail
cd "$(dirname "$0")/.."
action=${1:-}
shift || true
from=${EXPERIMENTS:-runs/experiments}
kept=${KEPT:-experiments-in-progress}
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
  records=0
  for model in "$src"/models/*/; do
    model=${model%/}
    [[ -f $model/config.json && -f $model/model.safetensors && -f $model/recipe.sha256 ]] || continue
    grep -q '"kind": *"char-lm"' "$model/config.json" || continue
    mkdir -p "$next/models/$(basename "$model")"
    {
      printf '{"format":"memsig-carried-model","recipe":"%s","weightsSha256":"%s","config":' \
        "$(tr -d '[:space:]' < "$model/recipe.sha256")" "$(sha256sum "$model/model.safetensors" | cut -d' ' -f1)"
      cat "$model/config.json"
      printf '}\n'
    } > "$next/models/$(basename "$model")/carried.json"
    records=$((records + 1))
  done
  rmdir "$next/models" 2>/dev/null || true
  rm -rf "$kept/$fig"
  mv "$next" "$kept/$fig"
  echo "kept $fig: $(find "$kept/$fig/signatures" -name '*.json' ! -name '*.partial.json' | wc -l) finished signatures, $(find "$kept/$fig/signatures" -name '*.partial.json' | wc -l) unfinished with finished layers, $records model records"
done
