#!/usr/bin/env bash
# The browser check of the web site: builds the shipped report into a
# scratch output folder, proves the check can fail (selftest.mjs), then
# opens every page in headless Chromium (check.mjs). Without node, Chromium
# or tests/web/node_modules it is skipped with a loud message;
# BAROMETER_REQUIRE_BROWSER=1 (set by .ci/run) turns the skip into a failure.
# SHOTS=<folder> also saves screenshots of the front and theme pages.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${BIN:-$root/target/release/barometer}
case "$bin" in /*) ;; *) bin=$root/$bin ;; esac
export CHROMIUM=${CHROMIUM:-/usr/bin/chromium}

missing=()
command -v node >/dev/null || missing+=("node")
[ -x "$CHROMIUM" ] || missing+=("$CHROMIUM (apt-get install chromium)")
[ -d "$here/node_modules/playwright-core" ] && [ -d "$here/node_modules/axe-core" ] || missing+=("tests/web/node_modules (npm ci in tests/web)")
[ -x "$bin" ] || missing+=("$bin (cargo build --release)")
if ((${#missing[@]})); then
  message="the browser check of the site is SKIPPED: missing ${missing[*]}"
  if [ "${BAROMETER_REQUIRE_BROWSER:-0}" = 1 ]; then
    echo "error: $message, and BAROMETER_REQUIRE_BROWSER=1 requires it" >&2
    exit 1
  fi
  printf '\n%s\n%s\n%s\n\n' "################################################################" \
    "# WARNING: $message" "################################################################" >&2
  exit 0
fi

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
(cd "$root" && "$bin" --quiet build --out "$scratch/outputs")
node "$here/selftest.mjs"
node "$here/check.mjs" "$scratch/outputs/site" ${SHOTS:+"$SHOTS"}
