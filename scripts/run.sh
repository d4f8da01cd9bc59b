#!/usr/bin/env bash
# Sets up everything (system packages, .venv) and starts Aisle: the kiosk window, or headless mode with no display.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/setup.sh
if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && [ -z "${QT_QPA_PLATFORM:-}" ]; then
  echo "aisle: no display found, starting headless mode (HTTP endpoint and live web view on http://127.0.0.1:8765/)."
  exec .venv/bin/aisle --headless "$@"
fi
exec .venv/bin/aisle "$@"
