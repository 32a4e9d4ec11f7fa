#!/usr/bin/env bash
# Debian packages `pnpm bench:peers` needs for its PyTorch peer (bench/peers.py): python3-torch
# (PyTorch CPU) and an OpenBLAS with threads. Not needed by the tests. Installs what is missing
# when it can (root + apt-get); otherwise says exactly what to install and fails.
# The peer runs /usr/bin/python3 unless PEER_PYTHON names another interpreter.
set -euo pipefail
python="${PEER_PYTHON:-/usr/bin/python3}"
missing=()
"$python" -c "import torch" >/dev/null 2>&1 || missing+=(python3-torch)
# torch's BLAS: the pthread OpenBLAS, so "all threads" means all cores.
if command -v dpkg-query >/dev/null 2>&1 && ! dpkg-query -W -f='${Status}' libopenblas0-pthread 2>/dev/null | grep -q "ok installed"; then
  missing+=(libopenblas0-pthread)
fi
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$python" != /usr/bin/python3 ]; then
  echo "bench-deps: $python cannot import torch; install torch for it (PEER_PYTHON is yours to manage)" >&2
  exit 1
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "bench-deps: installing ${missing[*]} (Debian packages)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "bench-deps: missing Debian packages: ${missing[*]}" >&2
  echo "  install them with: sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
fi
