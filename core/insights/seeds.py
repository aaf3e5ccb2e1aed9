"""A flow-editor seed from a knowledge gap: a title, keywords and a valid skeleton tree to start from."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from core.insights.clusters import keywords
from core.trees import ensure_valid

if TYPE_CHECKING:
    from core.insights.gaps import KnowledgeGap


def _slug(text: str, limit: int = 60) -> str:
    return re.sub(r"\s+", " ", text).strip()[:limit] or "Other"


def flow_seed(gap: KnowledgeGap) -> dict[str, Any]:
    """A starting point for the flow editor: title, description, domain, keywords and a valid skeleton tree
    (a question with two or more options leading to an action or a solution) built from the gap's evidence."""
    ev = gap.evidence
    domain = None if gap.domain == "unclassified" else gap.domain
    if gap.gap_type == "weak_options":
        labels = []
        for item in ev.get("top_free_text", []):
            label = _slug(item["text"])
            if label.casefold() not in {x.casefold() for x in labels}:
                labels.append(label)
        labels = labels[:4]
        if len(labels) < 2:
            labels = [*labels, *[x for x in ("Yes", "No") if x not in labels]][:2]
        children = [
            {
                "id": f"s{i}",
                "label": label,
                "type": "solution",
                "solution": f"Describe the fix when the answer is: {label}",
            }
            for i, label in enumerate(labels, start=1)
        ]
        tree = {"id": "q1", "type": "question", "question": ev.get("question") or gap.title, "children": children}
        words = sorted(keywords(ev.get("question", "")))[:6]
        title = f"Revised: {ev.get('question', gap.title)}"[:300]
    else:
        words = list(ev.get("keywords") or []) or ([domain] if domain else [])
        subject = " ".join(words) if gap.gap_type == "repeated_pattern" and words else (domain or "this")
        tree = {
            "id": "q1",
            "type": "question",
            "question": f"Does the problem match the known {subject} issue?",
            "children": [
                {
                    "id": "a1",
                    "label": "Yes",
                    "type": "action",
                    "action": "Apply the fix that resolved the example sessions.",
                    "children": [
                        {
                            "id": "s1",
                            "label": "Fixed",
                            "type": "solution",
                            "solution": "Confirm with the user and close.",
                        }
                    ],
                },
                {
                    "id": "s2",
                    "label": "No",
                    "type": "solution",
                    "solution": "Collect diagnostics and escalate to the next tier.",
                },
            ],
        }
        title = gap.title.replace("Recurring unmatched problem: ", "")[:300]
    ensure_valid(tree)
    return {
        "title": title,
        "description": f"{gap.description} {gap.suggested_action}".strip(),
        "problem_domain": domain,
        "match_keywords": words,
        "tree_structure": tree,
    }
