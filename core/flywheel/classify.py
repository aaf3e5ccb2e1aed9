"""The decision table (docs/ARCHITECTURE.md): the first row that matches a closed session wins.

| session                                                                            | decision            |
| ---------------------------------------------------------------------------------- | ------------------- |
| matched flow, score > 0.8, followed without divergence to a solution, resolved     | auto_reinforced     |
| matched flow, score > 0.5, diverged (free text or an option not on the flow), resolved | enhancement      |
| no matched flow or score < 0.5, tier discovery or exploring, resolved              | new_flow            |
| escalated / abandoned with a matched flow                                          | flow_failure_recorded |
| anything else                                                                      | no_proposal (reason) |

A pure function of the session's fields and its walk through the flow: no database, no model.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.flywheel.divergence import FlowWalk

AUTO_REINFORCE_SCORE = 0.8
ENHANCEMENT_SCORE = 0.5
NEW_FLOW_SCORE = 0.5
# Imported sessions with no recorded tier ("unknown") resolved with no flow are new knowledge like discovery ones.
NEW_FLOW_TIERS = ("discovery", "exploring", "unknown")


@dataclass(frozen=True)
class Decision:
    kind: str  # auto_reinforced | enhancement | new_flow | flow_failure_recorded | no_proposal
    reason: str


def decide(status: str, tier: str, match_score: float | None, has_flow: bool, walk: FlowWalk | None) -> Decision:
    score = match_score if match_score is not None else 0.0
    if status != "resolved":
        if has_flow:
            return Decision("flow_failure_recorded", f"Session {status}: counted as a failure of its matched flow.")
        return Decision("no_proposal", f"Session {status} without a matched flow: nothing to learn from.")
    if has_flow and walk is not None:
        if score > AUTO_REINFORCE_SCORE and not walk.diverged and walk.ended_on_solution:
            return Decision("auto_reinforced", f"Followed the flow to a solution (match {score:.2f}).")
        if score > ENHANCEMENT_SCORE and walk.diverged:
            how = "typed free text" if walk.free_text else "chose an option the flow does not offer"
            return Decision("enhancement", f"Left the flow at '{walk.node.get('id')}' ({how}) and resolved it.")
    if (not has_flow or score < NEW_FLOW_SCORE) and tier in NEW_FLOW_TIERS:
        why = "no matched flow" if not has_flow else f"weak match {score:.2f}"
        return Decision("new_flow", f"Resolved in {tier} mode with {why}.")
    if has_flow and walk is not None and not walk.diverged and not walk.ended_on_solution:
        return Decision("no_proposal", "Resolved on the flow without reaching one of its solutions.")
    if has_flow and walk is not None and not walk.diverged:
        return Decision("no_proposal", f"Followed the flow, but the match score {score:.2f} is not above 0.8.")
    if has_flow and walk is not None and walk.diverged:
        return Decision("no_proposal", f"Diverged from the flow, but the match score {score:.2f} is not above 0.5.")
    if tier == "guided":
        return Decision("no_proposal", "Guided session without a matched flow.")
    return Decision("no_proposal", f"Match score {score:.2f} is exactly on the 0.5 boundary.")
