#!/usr/bin/env bash
# Render an HTML capacity report and, when headless Chromium is installed, a PNG
# screenshot of it, so a person can look at the layout (docs/reports.md).
#
#   scripts/render-check.sh [SPEC_OR_JSON_SOURCE...]   (default: every spec in specs/)
#
# Environment: OUT_DIR (default target/render-check), WIDTH (default 1200),
# HEIGHT (default 3600), MEMMATH (default: cargo run -q --), CHROMIUM (binary).
# Exits 0 when the HTML was written; the PNG is skipped with a note when no
# Chromium is found. Install one with `apt-get install -y chromium`.
set -euo pipefail
cd "$(dirname "$0")/.."

out_dir=${OUT_DIR:-target/render-check}
width=${WIDTH:-1200}
height=${HEIGHT:-3600}
mkdir -p "$out_dir"

if [ "$#" -eq 0 ]; then
  set -- specs
fi
if [ -n "${MEMMATH:-}" ]; then
  read -r -a memmath <<<"$MEMMATH"
else
  memmath=(cargo run -q --)
fi

html="$out_dir/report.html"
"${memmath[@]}" report "$@" --format html -o "$html"
echo "wrote $html"

# Self-containment checks that need no browser: no script, no external fetch.
if grep -qiE '<script|<link |@import|src="https?:|url\(https?:' "$html"; then
  echo "error: $html loads or runs something external" >&2
  exit 1
fi

chromium=${CHROMIUM:-}
if [ -z "$chromium" ]; then
  for c in chromium chromium-browser google-chrome google-chrome-stable; do
    if command -v "$c" >/dev/null 2>&1; then chromium=$c; break; fi
  done
fi
if [ -z "$chromium" ]; then
  echo "no headless Chromium found (apt-get install -y chromium); skipped the PNG"
  exit 0
fi

profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
html_abs=$(realpath "$html")
shoot() { # $1 png, $2 width, $3 height
  local png
  png="$(realpath "$(dirname "$1")")/$(basename "$1")"
  rm -f "$png"
  "$chromium" --headless --no-sandbox --disable-gpu --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$profile" --hide-scrollbars \
    --screenshot="$png" --window-size="$2,$3" "file://$html_abs" >/dev/null 2>&1 || true
  if [ -s "$png" ]; then
    echo "wrote $1"
  else
    echo "error: Chromium wrote no $1" >&2
    exit 1
  fi
}
shoot "$out_dir/report.png" "$width" "$height"
# A phone-sized render too: the layout must hold at 390 CSS pixels.
shoot "$out_dir/report-phone.png" 390 "$height"
