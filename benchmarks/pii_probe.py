"""How much personal data the redactor leaves in text written without looking at it, and what it takes away wrongly.

``python -m benchmarks.pii_probe [--show]``

``benchmarks/data/pii_probe.json`` (see ``pii_probe.md`` beside it) holds 80 service-desk texts: pasted e-mails with
signatures, chat transcripts, lower-case notes, log and command output, several languages; 267 planted values of ten
kinds, and 377 troubleshooting facts that must survive (codes, versions, models, public hosts). Each text is redacted
on its own, the way a session's field is when nothing is known about its people (no users, no requester): the figure
is what the patterns and cues alone catch. A planted value is leaked when it is still in the output word for word; a
kept fact is damaged when it is not. ``pii_probe_2.json`` is a second corpus of 60 texts in other styles (exports,
alerts, invitations, chats with dates), written later by another hand. ``--show`` lists every leak and every damaged
fact.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path
from typing import Any

from benchmarks._goals import figure
from core.llm.redaction import redact

PROBE_PATH = Path(__file__).resolve().parent / "data" / "pii_probe.json"
# A second corpus, written later by another hand without looking at the redactor or the first corpus.
PROBE_2_PATH = PROBE_PATH.with_name("pii_probe_2.json")


def measure(path: Path = PROBE_PATH) -> dict[str, Any]:
    """Planted values and leaks per kind, kept facts and damaged ones, and the lists of both misses."""
    items = json.loads(path.read_text(encoding="utf-8"))["items"]
    planted: Counter[str] = Counter()
    leaked: Counter[str] = Counter()
    leaks, damaged, kept = [], [], 0
    for item in items:
        out = redact(item["text"]).text
        for kind, value in item["planted"]:
            planted[kind] += 1
            if value in out:
                leaked[kind] += 1
                leaks.append((item["id"], kind, value))
        for fact in item["kept"]:
            kept += 1
            if fact not in out:
                damaged.append((item["id"], fact))
    return {
        "items": len(items),
        "planted": dict(sorted(planted.items())),
        "leaked": dict(sorted(leaked.items())),
        "kept": kept,
        "damaged": len(damaged),
        "leaks": leaks,
        "damaged_facts": damaged,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.pii_probe", description=__doc__.splitlines()[0])
    parser.add_argument("--show", action="store_true", help="list every leak and every damaged fact")
    args = parser.parse_args(argv)
    for label, path in (("first corpus", PROBE_PATH), ("second corpus", PROBE_2_PATH)):
        figures = measure(path)
        total, leaked = sum(figures["planted"].values()), sum(figures["leaked"].values())
        print(
            f"{label}, {figures['items']} texts: {leaked} of {total} planted values leaked; {figures['damaged']} of "
            f"{figures['kept']} kept facts damaged"
        )
        for kind, n in figures["planted"].items():
            print(f"  {kind:8} {figures['leaked'].get(kind, 0):3} of {n:3} leaked")
        figure(f"PII probe, {label}: planted values left after redaction", leaked, "", 0)
        figure(f"PII probe, {label}: troubleshooting facts damaged", figures["damaged"], "", 0)
        if args.show:
            for item, kind, value in figures["leaks"]:
                print(f"  leak    {item}: {kind} {value!r}")
            for item, fact in figures["damaged_facts"]:
                print(f"  damaged {item}: {fact!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
