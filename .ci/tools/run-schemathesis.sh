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
#   SCHEMATHESIS_WORKERS        concurrent workers (default 1)
#   SCHEMATHESIS_SEED           Hypothesis seed; random when unset
#   SCHEMATHESIS_REPORT_DIR     if set, a JUnit XML report is written there
#   SCHEMATHESIS_WAIT_FOR_SCHEMA seconds to wait for the schema URL to come up (default 60)
#   TENANTRY_PREFLIGHT_PATH     GET'd with the token before fuzzing; must answer 2xx, so a bad or
#                               expired token fails fast instead of passing vacuously (every
#                               request 401 is "accepted" by positive_data_acceptance).
#                               Default /v1/me; set to empty to skip.
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

PREFLIGHT_PATH="${TENANTRY_PREFLIGHT_PATH-/v1/me}"
if [[ -n "$PREFLIGHT_PATH" ]]; then
    "$HERE/.venv/bin/python" - "$BASE_URL$PREFLIGHT_PATH" "${SCHEMATHESIS_WAIT_FOR_SCHEMA:-60}" <<'PY'
import os, sys, time
import requests
url, wait = sys.argv[1], float(sys.argv[2])
deadline = time.monotonic() + wait
while True:
    try:
        r = requests.get(url, headers={"Authorization": f"Bearer {os.environ['TENANTRY_TOKEN']}"}, timeout=10)
        break
    except requests.ConnectionError as exc:
        if time.monotonic() >= deadline:
            sys.exit(f"[run-schemathesis] preflight: cannot reach {url}: {exc}")
        time.sleep(1)
if not 200 <= r.status_code < 300:
    sys.exit(f"[run-schemathesis] preflight: GET {url} with TENANTRY_TOKEN returned {r.status_code}, expected 2xx")
PY
fi

REPORT_DIR=""
if [[ -n "${SCHEMATHESIS_REPORT_DIR:-}" ]]; then
    mkdir -p "$SCHEMATHESIS_REPORT_DIR"
    REPORT_DIR="$(cd "$SCHEMATHESIS_REPORT_DIR" && pwd)"  # absolute, before we cd away
fi

# Run from a scratch directory so nothing (reports, caches) lands in the work tree.
WORKDIR="$(mktemp -d "${TMPDIR:-/tmp}/tenantry-schemathesis.XXXXXX")"
trap 'rm -rf "$WORKDIR"' EXIT
cd "$WORKDIR"

args=(
    --config-file "${SCHEMATHESIS_CONFIG:-$HERE/schemathesis.toml}"
    run "$BASE_URL/api-docs/openapi.json"
    --url "$BASE_URL"
    --phases examples,coverage,fuzzing,stateful
    # One worker: with two, Python 3.11.7's ast module can raise "AST constructor recursion depth
    # mismatch" inside Hypothesis (a CPython bug fixed in later releases).
    --workers "${SCHEMATHESIS_WORKERS:-1}"
    --wait-for-schema "${SCHEMATHESIS_WAIT_FOR_SCHEMA:-60}"
)
if [[ -n "${SCHEMATHESIS_SEED:-}" ]]; then
    args+=(--seed "$SCHEMATHESIS_SEED")
fi
if [[ -n "$REPORT_DIR" ]]; then
    args+=(--report junit --report-junit-path "$REPORT_DIR/schemathesis-junit.xml")
fi

# `python -m schemathesis.cli` rather than .venv/bin/schemathesis: no dependence on the
# console script's absolute shebang.
ST=("$HERE/.venv/bin/python" -m schemathesis.cli)
echo "[run-schemathesis] $("${ST[@]}" --version | sed 's/^.*version /schemathesis /') against $BASE_URL" >&2
rc=0
NO_COLOR=1 timeout --kill-after=30 "${SCHEMATHESIS_TIMEOUT:-900}" \
    "${ST[@]}" --no-color "${args[@]}" "$@" || rc=$?
if [[ $rc -eq 124 || $rc -eq 137 ]]; then
    echo "[run-schemathesis] FAILED: wall-clock cap of ${SCHEMATHESIS_TIMEOUT:-900}s reached" >&2
elif [[ $rc -ne 0 ]]; then
    echo "[run-schemathesis] FAILED: schemathesis exited with $rc" >&2
fi
exit "$rc"
