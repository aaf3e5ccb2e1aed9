"""Run every benchmark module in this package and print its figures: ``python -m benchmarks.run [--only NAME]``.

A module is any ``benchmarks/*.py`` with a ``main(argv)`` function (other than this runner); each runs with its
defaults, one after another, and a failing one is reported without stopping the rest. At the end every figure
recorded with :func:`benchmarks._goals.figure` is printed again, beside its goal and the load average at the time.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
import traceback
from pathlib import Path

from benchmarks._goals import RECORDED

HERE = Path(__file__).resolve().parent


def modules() -> list[str]:
    return sorted(p.stem for p in HERE.glob("*.py") if p.stem not in {"__init__", "run"} and not p.stem.startswith("_"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", help="run only this module (repeatable)")
    args = parser.parse_args(argv)
    names = args.only or modules()
    failures = 0
    for name in names:
        print(f"== {name}", flush=True)
        started = time.perf_counter()
        try:
            module = importlib.import_module(f"benchmarks.{name}")
            entry = getattr(module, "main", None)
            if entry is None:
                print("   (no main(); skipped)")
                continue
            code = entry([])
            if code:
                failures += 1
                print(f"   exited with {code}")
        except Exception:  # noqa: BLE001 - one broken benchmark must not hide the others' figures
            failures += 1
            traceback.print_exc()
        print(f"   ({time.perf_counter() - started:.1f} s)", flush=True)
    if RECORDED:
        print("== figures and goals")
        for found in RECORDED:
            print("   " + found.line())
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
