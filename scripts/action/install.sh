#!/usr/bin/env bash
# memmath Action, install step (action.yml). `key`: print the cache key, a
# hash of the action's own sources, so a new memmath version is a new cache
# entry. `install`: on a cache miss, `cargo install --locked` this checkout
# into ~/.memmath-action; then put its bin/ on PATH.
set -euo pipefail
root="${GITHUB_ACTION_PATH:?GITHUB_ACTION_PATH is not set}"
prefix="${MEMMATH_ACTION_PREFIX:-$HOME/.memmath-action}"
case "${1:-}" in
  key)
    hash=$(cd "$root" && find Cargo.toml Cargo.lock build.rs src schemas catalog templates -type f -print0 \
      | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-20)
    echo "key=memmath-${RUNNER_OS:-unknown}-$(uname -m)-$hash" >> "${GITHUB_OUTPUT:?}"
    ;;
  install)
    if [ "${MEMMATH_CACHE_HIT:-}" != "true" ] || [ ! -x "$prefix/bin/memmath" ]; then
      cargo install --locked --root "$prefix" --path "$root"
    fi
    echo "$prefix/bin" >> "${GITHUB_PATH:?}"
    "$prefix/bin/memmath" --version
    ;;
  *)
    echo "usage: install.sh key|install" >&2
    exit 2
    ;;
esac
