#!/usr/bin/env bash
# The editor grammar tests (ctest `editor_grammar`):
#   - VS Code, with vscode-tmgrammar-test: the scope assertions of
#     editors/vscode/test/*.test.mlflow, and every examples/*/*.mlflow tokenised and compared
#     with its snapshot editors/vscode/test/snapshots/<folder>-<file>.mlflow.snap;
#   - Vim and Emacs: the same scope assertions mapped to syntax groups and faces, and the
#     examples highlighted without errors (Emacs: and indented as `mlf fmt` writes them).
# Installs the npm packages pinned in package-lock.json when node_modules is missing or stale.
#
#   scripts/test_editors.sh            run the tests
#   scripts/test_editors.sh --update   rewrite the snapshots (review `git diff` before committing)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
extension="$root/editors/vscode"
snapshots="$extension/test/snapshots"
update=0
case "${1:-}" in
  "") ;;
  --update) update=1 ;;
  *) echo "usage: scripts/test_editors.sh [--update]" >&2; exit 2 ;;
esac

fail() { echo "test_editors: $*" >&2; exit 1; }

for tool in node npm vim emacs; do
  command -v "$tool" >/dev/null || fail "$tool is missing (bash scripts/setup.sh test installs it)"
done

cd "$extension"
# npm ci writes node_modules/.package-lock.json; a newer package-lock.json means stale packages,
# and a missing test tool an install without the development packages (`npm ci --omit=dev`).
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ] ||
   [ ! -x node_modules/.bin/vscode-tmgrammar-snap ]; then
  echo "test_editors: installing the packages pinned in editors/vscode/package-lock.json"
  npm ci --no-audit --no-fund --fetch-retries=1 --fetch-timeout=60000 ||
    fail "npm ci failed: is the npm registry reachable? (the tests need vscode-tmgrammar-test)"
fi
bin="$extension/node_modules/.bin"
grammar="$extension/syntaxes/mlflow.tmLanguage.json"

echo "test_editors: VS Code scope assertions"
"$bin/vscode-tmgrammar-test" --config package.json --grammar "$grammar" "test/*.test.mlflow"

# The snapshot tool keeps FILE.snap beside FILE: tokenise copies of the examples in a scratch
# folder that holds the committed snapshots, so that examples/ stays free of them.
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
shopt -s nullglob
expected=()
for example in "$root"/examples/*/*.mlflow; do
  name="$(basename "$(dirname "$example")")-$(basename "$example")"
  expected+=("$name")
  cp "$example" "$scratch/$name"
  if [ -f "$snapshots/$name.snap" ]; then
    cp "$snapshots/$name.snap" "$scratch/"
  elif [ "$update" -eq 0 ]; then
    fail "no snapshot for ${example#"$root"/}: run scripts/test_editors.sh --update and review it"
  fi
done
[ ${#expected[@]} -gt 0 ] || fail "no examples found in $root/examples"
for snapshot in "$snapshots"/*.snap; do
  name="$(basename "$snapshot" .snap)"
  if [ ! -f "$scratch/$name" ]; then
    [ "$update" -eq 1 ] && { rm "$snapshot"; continue; }
    fail "stale snapshot ${snapshot#"$root"/}: its example is gone; run scripts/test_editors.sh --update"
  fi
done

echo "test_editors: VS Code snapshots of ${#expected[@]} examples"
if [ "$update" -eq 1 ]; then
  "$bin/vscode-tmgrammar-snap" --config package.json --scope source.mlflow --grammar "$grammar" \
    --updateSnapshot "$scratch/*.mlflow"
  mkdir -p "$snapshots"
  cp "$scratch"/*.snap "$snapshots/"
else
  "$bin/vscode-tmgrammar-snap" --config package.json --scope source.mlflow --grammar "$grammar" \
    "$scratch/*.mlflow"
fi

assertions=("$extension"/test/*.test.mlflow)
examples=("$root"/examples/*/*.mlflow)

echo "test_editors: Vim syntax"
vim_status=0
vim -Nu NONE -i NONE -es --cmd "set rtp^=$root/editors/vim" --cmd "let g:check_output = '$scratch/vim.txt'" \
  -S "$root/editors/vim/test/check_syntax.vim" "${assertions[@]}" "${examples[@]}" </dev/null ||
  vim_status=$?
cat "$scratch/vim.txt" 2>/dev/null || true
[ "$vim_status" -eq 0 ] || fail "editors/vim/syntax/mlflow.vim highlights the columns above wrongly"

echo "test_editors: Emacs mode"
emacs -Q --batch -L "$root/editors/emacs" -l "$root/editors/emacs/test/check-mlflow-mode.el" \
  "${assertions[@]}" "${examples[@]}" ||
  fail "editors/emacs/mlflow-mode.el fontifies or indents the lines above wrongly"
