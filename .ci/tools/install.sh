#!/usr/bin/env bash
# Installs the CI tooling next to this script, idempotently:
#   .venv/         python3 venv with requirements.txt (schemathesis)
#   node_modules/  `npm ci` from package-lock.json (@stoplight/spectral-cli)
# Safe to run from any directory and as often as you like: it only does work
# when something is missing or the pinned inputs changed.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV="$HERE/.venv"
PYTHON="${PYTHON:-python3}"

log() { printf '[ci/tools/install] %s\n' "$*" >&2; }

# --- Python venv + schemathesis ---------------------------------------------
# The stamp records the venv's own absolute path and the hash of requirements.txt. A venv
# that was copied or checked out somewhere else has console scripts whose shebangs point at
# the old path, so a path mismatch means: start over.
req_hash="$(sha256sum "$HERE/requirements.txt" | cut -d' ' -f1)"
stamp="$VENV/.install-stamp"
want_stamp="$VENV $req_hash"
have_stamp="$(cat "$stamp" 2>/dev/null || true)"

if [[ -e "$VENV" && "${have_stamp%% *}" != "$VENV" ]] \
    || ! "$VENV/bin/python" -c 'import sys' >/dev/null 2>&1; then
    log "creating venv at $VENV"
    rm -rf "$VENV"
    "$PYTHON" -m venv "$VENV"
    have_stamp=""
fi

# Re-run pip only when requirements.txt changed since the last successful install
# (or the installed tool is broken).
if [[ "$have_stamp" != "$want_stamp" ]] \
    || ! "$VENV/bin/python" -m schemathesis.cli --version >/dev/null 2>&1; then
    log "pip install -r requirements.txt"
    rm -f "$stamp"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-input \
        -r "$HERE/requirements.txt"
    printf '%s\n' "$want_stamp" >"$stamp"
fi

# --- Node tooling (spectral) -------------------------------------------------
# npm writes node_modules/.package-lock.json on every install; if it is missing
# or older than the committed lock, reinstall from the lock.
# --ignore-scripts: the only install script in the tree is @scarf/scarf's
# telemetry postinstall, which spectral does not need (and there is no network
# for it anyway).
if [[ ! -d "$HERE/node_modules" ]] \
    || [[ "$HERE/package-lock.json" -nt "$HERE/node_modules/.package-lock.json" ]] \
    || [[ ! -x "$HERE/node_modules/.bin/spectral" ]]; then
    log "npm ci"
    SCARF_ANALYTICS=false npm ci --prefix "$HERE" --ignore-scripts --no-audit --no-fund \
        --loglevel=error >&2
fi
