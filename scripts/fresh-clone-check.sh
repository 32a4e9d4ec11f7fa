#!/usr/bin/env bash
# Fresh-clone check: a clone with nothing beside it (no sibling `shared/` folder) must pass the
# conformance runner and the packages' conformance tests, reading only the repository's copy of
# the vectors (tools/conformance/vectors). Clones the committed HEAD into a temporary folder,
# installs from the pnpm store (offline: the store is warm after the main install), and runs them.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
# a clone of the committed HEAD; when the checkout cannot be cloned (no .git), a copy of its files
if ! git clone --quiet "$root" "$tmp/repo" 2>/dev/null; then
  mkdir -p "$tmp/repo"
  tar -C "$root" --exclude=node_modules --exclude=dist --exclude=.turbo -cf - . | tar -x -C "$tmp/repo"
fi
cd "$tmp/repo"
if [ -e ../shared ]; then echo "fresh-clone-check: $tmp/shared exists" >&2; exit 1; fi
unset RL_CONFORMANCE_DIR
echo "fresh-clone-check: $tmp/repo (no ../shared)"
pnpm install --frozen-lockfile --offline --reporter=silent
pnpm conformance
(cd tools/conformance && npx vitest run)
(cd packages/core && npx vitest run test/testing)
(cd packages/credit && npx vitest run conformance)
(cd packages/alignment && npx vitest run conformance)
(cd packages/rewards && npx vitest run conformance bradley-terry)
echo "fresh-clone-check: passed"
