#!/usr/bin/env bash
# Debian packages the test run needs besides npm ones: chromium (browser tests of the demo report
# and the credit explorer, driven by playwright-core) and Jupyter (`pnpm notebooks` runs
# examples/notebooks with `jupyter nbconvert --execute`) and redis-server (@rl/serve's queue tests
# start their own on a free 127.0.0.1 port; never a mock). Installs what is missing when it can
# (root + apt-get); otherwise says exactly what to install and fails.
set -euo pipefail
browser=()
jupyter=()
redis=()
command -v chromium >/dev/null 2>&1 || browser=(chromium)
[ -x /usr/bin/jupyter-nbconvert ] || jupyter=(jupyter-nbconvert python3-nbclient jupyter-client python3-ipykernel)
command -v redis-server >/dev/null 2>&1 || redis=(redis-server)
missing=("${browser[@]}" "${jupyter[@]}" "${redis[@]}")
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "system-deps: installing ${missing[*]} (Debian packages)"
  apt-get update -qq
  # chromium with its recommended fonts; Jupyter without the notebook server and its friends
  [ ${#browser[@]} -eq 0 ] || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${browser[@]}" >/dev/null
  [ ${#jupyter[@]} -eq 0 ] || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${jupyter[@]}" >/dev/null
  # the server binary only; the tests start it themselves (the package's service is not started)
  [ ${#redis[@]} -eq 0 ] || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${redis[@]}" >/dev/null
else
  echo "system-deps: missing Debian packages: ${missing[*]}" >&2
  echo "  install them with: sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
fi
