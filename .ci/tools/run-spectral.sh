#!/usr/bin/env bash
# Lint an OpenAPI document with spectral using the repo's ruleset (/.spectral.yaml).
#
#   .ci/tools/run-spectral.sh FILE [extra spectral lint args...]
#
# FILE: a path to the OpenAPI JSON/YAML (e.g. the document saved from /api-docs/openapi.json).
# Exits non-zero only when a rule of severity `error` fails; warnings are printed, not fatal.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"

if [[ $# -lt 1 || -z "${1:-}" ]]; then
    echo "usage: $0 FILE [extra spectral lint args...]" >&2
    exit 2
fi
FILE="$1"
shift
if [[ ! -f "$FILE" ]]; then
    echo "$0: no such file: $FILE" >&2
    exit 2
fi

"$HERE/install.sh"

exec "$HERE/node_modules/.bin/spectral" lint \
    --ruleset "$ROOT/.spectral.yaml" \
    --fail-severity error \
    "$FILE" "$@"
