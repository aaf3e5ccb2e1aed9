"""Where a session left its matched flow, found structurally from its steps (never by a model).

The walk starts at the root. Each question/action step stands on the node named by its ``flow_node_id`` (or, when
the step has none, on the node the walk reached). Typed free text, or an option that is not one of that node's
children (compared case/space-insensitively), is the divergence; an action with one next step passes on any
option, as ``core.trees.walk`` does. A resolution step that names a solution node of the flow ends the walk there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from core.flywheel.facts import StepFact
from core.trees import child_by_label, find_node, normalize_label


@dataclass
class FlowWalk:
    """The outcome of walking a session through its flow."""

    node: dict[str, Any]
    diverged: bool = False
    label: str | None = None
    free_text: bool = False
    after: list[StepFact] = field(default_factory=list)

    @property
    def ended_on_solution(self) -> bool:
        return not self.diverged and self.node.get("type") == "solution"

    @property
    def key(self) -> str | None:
        """``"<node id>|<normalized label>"``: two sessions adding the same branch under the same node share it."""
        if not self.diverged:
            return None
        return f"{self.node['id']}|{normalize_label(self.label)}"


def walk_session(tree: dict[str, Any], steps: list[StepFact]) -> FlowWalk:
    current = tree
    for index, step in enumerate(steps):
        if step.step_type == "note":
            continue
        located = find_node(tree, step.flow_node_id) if step.flow_node_id else None
        if step.step_type in ("resolution", "escalation"):
            if located is not None and located.get("type") == "solution":
                current = located
            break
        if located is not None:
            current = located
        answer = step.answer
        if step.was_free_text and answer:
            return FlowWalk(current, True, answer, True, steps[index + 1 :])
        if not answer:
            children = current.get("children") or []
            if current.get("type") == "action" and len(children) == 1:
                current = children[0]
            continue
        child = child_by_label(current, answer)
        if child is None and current.get("type") == "action" and len(current.get("children") or []) == 1:
            child = current["children"][0]
        if child is None:
            return FlowWalk(current, True, answer, False, steps[index + 1 :])
        current = child
    return FlowWalk(current)
