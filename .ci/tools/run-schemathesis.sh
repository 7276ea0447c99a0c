#!/usr/bin/env bash
# Fuzz the running Tenantry API with schemathesis (all checks, all phases).
#
#   TENANTRY_TOKEN=<jwt> .ci/tools/run-schemathesis.sh BASE_URL [extra schemathesis run args...]
#
# BASE_URL: where the API listens, e.g. http://127.0.0.1:8080 (no trailing path needed);
#           the schema is read from $BASE_URL/api-docs/openapi.json and requests go to
#           $BASE_URL + the paths in the schema.
# Env:
#   TENANTRY_TOKEN              required; sent as `Authorization: Bearer $TENANTRY_TOKEN`
#   SCHEMATHESIS_TIMEOUT        wall-clock cap in seconds (default 900); exit 124 when hit
#   SCHEMATHESIS_WORKERS        concurrent workers (default 2)
#   SCHEMATHESIS_REPORT_DIR     if set, a JUnit XML report is written there
#   SCHEMATHESIS_WAIT_FOR_SCHEMA seconds to wait for the schema URL to come up (default 60)
# Exit status: 0 only when every check passed; non-zero on any failure, error, or timeout.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

if [[ $# -lt 1 || -z "${1:-}" ]]; then
    echo "usage: $0 BASE_URL [extra schemathesis run args...]" >&2
    exit 2
fi
BASE_URL="${1%/}"
shift
if [[ -z "${TENANTRY_TOKEN:-}" ]]; then
    echo "$0: TENANTRY_TOKEN must be set (bearer token for the API)" >&2
    exit 2
fi
export TENANTRY_TOKEN

"$HERE/install.sh"

# Run from a scratch directory so nothing (reports, caches) lands in the work tree.
WORKDIR="$(mktemp -d "${TMPDIR:-/tmp}/tenantry-schemathesis.XXXXXX")"
trap 'rm -rf "$WORKDIR"' EXIT
cd "$WORKDIR"

args=(
    --config-file "$HERE/schemathesis.toml"
    run "$BASE_URL/api-docs/openapi.json"
    --url "$BASE_URL"
    --phases examples,coverage,fuzzing,stateful
    --workers "${SCHEMATHESIS_WORKERS:-2}"
    --wait-for-schema "${SCHEMATHESIS_WAIT_FOR_SCHEMA:-60}"
)
if [[ -n "${SCHEMATHESIS_REPORT_DIR:-}" ]]; then
    mkdir -p "$SCHEMATHESIS_REPORT_DIR"
    args+=(--report junit --report-junit-path "$(cd "$SCHEMATHESIS_REPORT_DIR" && pwd)/schemathesis-junit.xml")
fi

echo "[run-schemathesis] $("$HERE/.venv/bin/schemathesis" --version) against $BASE_URL" >&2
rc=0
NO_COLOR=1 timeout --kill-after=30 "${SCHEMATHESIS_TIMEOUT:-900}" \
    "$HERE/.venv/bin/schemathesis" --no-color "${args[@]}" "$@" || rc=$?
if [[ $rc -eq 124 || $rc -eq 137 ]]; then
    echo "[run-schemathesis] FAILED: wall-clock cap of ${SCHEMATHESIS_TIMEOUT:-900}s reached" >&2
elif [[ $rc -ne 0 ]]; then
    echo "[run-schemathesis] FAILED: schemathesis exited with $rc" >&2
fi
exit "$rc"
