#!/usr/bin/env bash
# memmath Action, check step (action.yml): `memmath check` with GitHub
# workflow annotations, and SARIF when asked. The exit status goes to the
# step output `exit-code`; the action's last step fails the job with it, so
# the SARIF upload and the PR comment still run when findings fail the check.
set -uo pipefail
read -r -a paths <<< "${MEMMATH_PATHS:-.}"
fail_on="${MEMMATH_FAIL_ON:-error}"
memmath check "${paths[@]}" --output-format github --fail-on "$fail_on"
status=$?
if [ "${MEMMATH_SARIF:-false}" = "true" ]; then
  sarif="${MEMMATH_SARIF_FILE:-memmath.sarif}"
  # --exit-zero: the findings' status is the run above; 2 (tool failure) still shows.
  if ! memmath check "${paths[@]}" --output-format sarif --exit-zero > "$sarif"; then
    echo "::error::memmath could not write SARIF to $sarif"
    status=2
  fi
fi
echo "exit-code=$status" >> "${GITHUB_OUTPUT:?GITHUB_OUTPUT is not set}"
exit 0
