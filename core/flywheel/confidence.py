"""The confidence score of a proposal, from the evidence of its sessions (always within 0..1).

One session's evidence::

    E = 0.30 + T + R + S + M, clamped to [0.05, 0.95]
    T (tier)    guided 0.15 · exploring 0.10 · discovery 0.05
    R (rating)  0.05 × (rating − 3), 0 when unrated          (−0.10 … +0.10)
    S (steps)   0.02 × min(meaningful steps, 5)               (0 … 0.10)
    M (match)   0.15 × match score, 0 when no flow matched    (0 … 0.15)

so a single session scores between 0.25 and 0.80. Each further supporting session closes part of the remaining
gap to 1, in proportion to its own evidence::

    c_new = 1 − (1 − c) × (1 − E / 2), capped at 0.99

Support therefore always raises confidence, never reaches certainty, and a weak session adds less than a strong one.
"""

from __future__ import annotations

# "unknown": imported history that recorded no tier weighs as little as discovery (nothing says a flow guided it).
TIER_WEIGHT = {"guided": 0.15, "exploring": 0.10, "discovery": 0.05, "unknown": 0.05}
CAP = 0.99


def session_evidence(tier: str, rating: int | None, steps: int, match_score: float | None) -> float:
    """Evidence ``E`` of one session (see the module docstring)."""
    if tier not in TIER_WEIGHT:
        raise ValueError(f"unknown confidence tier {tier!r}; expected one of {', '.join(TIER_WEIGHT)}")
    if rating is not None and not 1 <= rating <= 5:
        raise ValueError(f"rating must be 1–5, got {rating}")
    if steps < 0:
        raise ValueError(f"steps cannot be negative, got {steps}")
    score = 0.30 + TIER_WEIGHT[tier]
    score += 0.05 * (rating - 3) if rating is not None else 0.0
    score += 0.02 * min(steps, 5)
    score += 0.15 * min(max(match_score or 0.0, 0.0), 1.0)
    return round(min(max(score, 0.05), 0.95), 4)


def add_support(confidence: float, evidence: float) -> float:
    """Confidence after one more supporting session with ``evidence``."""
    confidence = min(max(confidence, 0.0), 1.0)
    raised = 1.0 - (1.0 - confidence) * (1.0 - evidence / 2.0)
    return round(min(raised, CAP), 4)
