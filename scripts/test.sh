#!/usr/bin/env bash
# Sets up everything (system packages, .venv) and runs the whole test suite with its quality gates.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/setup.sh
export QT_QPA_PLATFORM=offscreen
export AISLE_NO_KEYRING=1
py=.venv/bin/python
echo "== ruff"
$py -m ruff check app agent audio ui tests bench packaging
echo "== mypy (app, agent, audio, ui, and the fakes that stand in for a port)"
$py -m mypy app agent audio ui tests/ui/fake_voice.py
echo "== pytest"
$py -m pytest -p no:cacheprovider --cov=app --cov=agent --cov-report=term --cov-fail-under=80 "$@"
