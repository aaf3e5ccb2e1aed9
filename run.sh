#!/usr/bin/env bash
# FlowPilot Knowledge Studio — the two commands.
#   ./run.sh start   install, create the demo workspace on first start, run the app (:8501) and the flywheel worker
#   ./run.sh test    install and run the whole test suite (SQLite + PostgreSQL + browser)
#   ./run.sh test --fast   the quick loop: SQLite only, no browser, no slow tests
set -euo pipefail
cd "$(dirname "$0")"
VENV=.venv
PY="$VENV/bin/python"

install() {
  if [ ! -x "$PY" ]; then
    # core uses datetime.UTC and other 3.11 features: fail here, not halfway through the first import.
    if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
      echo "run.sh: Python 3.11 or newer is needed as python3 (found $(python3 --version 2>&1))" >&2
      exit 1
    fi
    python3 -m venv "$VENV"
  fi
  "$PY" -m pip install --quiet --disable-pip-version-check -r "$1"
}

case "${1:-}" in
  start)
    install requirements.txt
    export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
    "$PY" -m jobs.setup
    "$PY" -m jobs.worker &
    WORKER=$!
    trap 'kill $WORKER 2>/dev/null || true' EXIT INT TERM
    "$PY" -m streamlit run app.py --server.port "${PORT:-8501}" --server.headless true
    ;;
  test)
    install requirements-dev.txt
    export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
    if [ "${2:-}" = "--fast" ]; then
      "$VENV/bin/ruff" check .
      FLOWPILOT_TEST_BACKENDS=sqlite exec "$PY" -m pytest -q -p no:cacheprovider -m "not browser and not slow" "${@:3}"
    fi
    if [ ! -x "${FLOWPILOT_CHROMIUM:-/usr/bin/chromium}" ]; then
      # apt needs root; a developer's machine usually has sudo instead.
      SUDO=""
      if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi
      $SUDO apt-get update -qq
      DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
    fi
    "$VENV/bin/ruff" check .
    "$PY" -m pytest -q -p no:cacheprovider "${@:2}"
    ;;
  *)
    echo "usage: ./run.sh start | test" >&2
    exit 2
    ;;
esac
