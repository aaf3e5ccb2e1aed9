"""The session simulator: sessions are produced by walking the demo flows, so every step is consistent.

* guided sessions follow a flow from the root to one of its solutions;
* exploring sessions follow it to a question, then leave it (a free-text answer or an option the flow does not
  offer) and finish with what the engineer did next;
* discovery sessions match no flow: a novel problem, its diagnostic questions, actions and resolution.

Everything is drawn from one ``random.Random`` so a seed gives the same workspace every time.
"""

from __future__ import annotations

import math
import random
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from core.trees import normalize_label, parent_map
from demo.discovery import NOVEL, REQUESTERS, Novel
from demo.flows import Escape, Flow

# Escalation is concentrated where a service desk really hands work on: security incidents and backup failures.
ESCALATION_RATE = {"security": 0.5, "backup": 0.45}
DEFAULT_ESCALATION_RATE = 0.08
ABANDON_RATE = 0.04
ESCALATION_TARGET = {
    "security": "Security operations (SOC)",
    "backup": "Infrastructure / backup team",
    "networking": "Network team",
    "vpn": "Network team",
}
PSA_ERRORS = (
    "HTTP 429 Too Many Requests from the PSA API",
    "HTTP 503 Service Unavailable",
    "Timed out after 30 s waiting for the PSA",
    "HTTP 409 Ticket is being edited by another member",
)


def new_uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


@dataclass
class Workforce:
    """Who works the tickets of one account, and what its sessions look like."""

    account_id: uuid.UUID
    engineers: list[tuple[uuid.UUID, uuid.UUID | None]]
    device_prefix: str
    ticket_prefix: str | None  # None: the account has no PSA


@dataclass
class Simulated:
    """One simulated session: its row, its steps, and what the simulator knows about it (for the history)."""

    row: dict[str, Any]
    steps: list[dict[str, Any]]
    kind: str
    flow: Flow | None = None
    novel: Novel | None = None
    # "<flow key>|<node id>|<normalized answer>" for sessions that left a flow.
    divergence: str | None = None
    escape: Escape | None = None
    escape_node: str | None = None
    reached_solution: bool = False
    push: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class SessionSimulator:
    def __init__(self, rng: random.Random, now: datetime, workforce: Workforce, flows: dict[str, uuid.UUID]):
        self.rng = rng
        self.now = now
        self.work = workforce
        self.flow_ids = flows
        self._ticket = rng.randint(410_000, 480_000)
        # flow key -> (node id or None, days): sessions of that flow (through that node) are no older than this,
        # because the flow (or that branch of it) was published then.
        self.not_before: dict[str, tuple[str | None, float]] = {}

    # --- building blocks ---------------------------------------------------------------------------------------

    def created_at(self, days_back: float = 120.0, oldest: float = 0.0) -> datetime:
        """A business-hours start between ``oldest`` and ``days_back`` days ago (weekends are quiet)."""
        rng = self.rng
        while True:
            day = self.now - timedelta(days=oldest + rng.random() * (days_back - oldest))
            if day.weekday() >= 5 and rng.random() < 0.8:
                continue
            hour = min(19, max(7, int(rng.gauss(12.5, 2.6))))
            start = day.replace(hour=hour, minute=rng.randrange(60), second=rng.randrange(60), microsecond=0)
            if start < self.now - timedelta(hours=3):
                return start

    def duration_minutes(self, kind: str, status: str) -> float:
        median = {"guided": 14.0, "exploring": 28.0, "discovery": 42.0}[kind]
        if status == "escalated":
            median *= 1.5
        elif status == "abandoned":
            median *= 0.4
        return max(2.0, min(600.0, self.rng.lognormvariate(math.log(median), 0.55)))

    def outcome(self, domain: str | None, resolve_bias: float = 0.0) -> str:
        roll = self.rng.random()
        escalation = ESCALATION_RATE.get(domain or "", DEFAULT_ESCALATION_RATE)
        if roll < ABANDON_RATE:
            return "abandoned"
        if roll < ABANDON_RATE + max(0.0, escalation - resolve_bias):
            return "escalated"
        return "resolved"

    def rating(self, status: str) -> int | None:
        rng = self.rng
        if status == "active" or rng.random() > 0.6:
            return None
        weights = {
            "resolved": (2, 3, 10, 35, 50),
            "escalated": (20, 30, 30, 15, 5),
            "abandoned": (40, 30, 20, 7, 3),
        }[status]
        return rng.choices((1, 2, 3, 4, 5), weights=weights)[0]

    def intake(self, subject: str, description: str) -> dict[str, Any]:
        name, email = self.rng.choice(REQUESTERS)
        kind = self.rng.choice(("LT", "LT", "LT", "PC"))
        device = f"{self.work.device_prefix}-{kind}-{self.rng.randint(100, 899):04d}"
        return {"subject": subject, "description": description, "requester": f"{name} <{email}>", "device": device}

    def new_row(self, kind: str, domain: str | None, subject: str, description: str, status: str) -> dict[str, Any]:
        engineer_id, team_id = self.rng.choice(self.work.engineers)
        return {
            "id": new_uuid(self.rng),
            "account_id": self.work.account_id,
            "team_id": team_id,
            "engineer_id": engineer_id,
            "status": status,
            "confidence_tier": kind,
            "problem_domain": domain,
            "problem_summary": subject,
            "intake_content": self.intake(subject, description),
            "matched_flow_id": None,
            "match_score": None,
            "rating": None,
            "resolution_summary": None,
            "psa_ticket_id": None,
            "resolved_at": None,
            "ended_at": None,
            "analysis_status": None,
            "analysis_attempts": 0,
            "analysis_outcome": None,
            "analysis_reason": None,
            "analysis_proposal_id": None,
            "analyzed_at": None,
        }

    # --- the three tiers --------------------------------------------------------------------------------------

    def walk_flow(self, flow: Flow, stop_at: str | None = None) -> list[tuple[dict[str, Any], str | None]]:
        """(node, chosen label) from the root: to ``stop_at`` if given, else randomly down to a solution."""
        if stop_at is not None:
            parents = parent_map(flow.tree)
            chain = [stop_at]
            while parents[chain[-1]] is not None:
                chain.append(parents[chain[-1]])
            chain.reverse()
            path = []
            node = flow.tree
            for next_id in chain[1:]:
                child = next(c for c in node["children"] if c["id"] == next_id)
                path.append((node, child["label"]))
                node = child
            path.append((node, None))
            return path
        path = []
        node = flow.tree
        while node.get("children"):
            children = node["children"]
            # The first option is the common case in a well-ordered flow.
            weights = [2.0] + [1.0] * (len(children) - 1)
            child = self.rng.choices(children, weights=weights)[0]
            path.append((node, child["label"]))
            node = child
        path.append((node, None))
        return path

    def flow_steps(self, path: list[tuple[dict[str, Any], str | None]]) -> list[dict[str, Any]]:
        steps = []
        for node, label in path:
            kind = node["type"]
            if kind == "question":
                steps.append(
                    _step(
                        "question",
                        {"question": node["question"], "options": [c["label"] for c in node["children"]]},
                        selected_option=label,
                        flow_node_id=node["id"],
                    )
                )
            elif kind == "action":
                steps.append(
                    _step("action", {"instructions": node["action"]}, action_result=label, flow_node_id=node["id"])
                )
            else:
                steps.append(_step("resolution", {"solution": node["solution"]}, flow_node_id=node["id"]))
        return steps

    def guided(self, flow: Flow) -> Simulated:
        subject, description = self.rng.choice(flow.intakes)
        status = self.outcome(flow.domain)
        path = self.walk_flow(flow)
        if flow.weak_node and any(n["id"] == flow.weak_node for n, _ in path) and self.rng.random() < 0.45:
            # The weak question: its options do not fit what engineers see, so most answer it in free text.
            return self.exploring(flow, escape_node=flow.weak_node, status=status)
        if status != "resolved":
            path = path[: self.rng.randint(1, max(1, len(path) - 1))]
            node, _ = path[-1]
            path[-1] = (node, None)
        steps = self.flow_steps(path)
        if status == "escalated":
            steps.append(self.escalation_step(flow.domain))
        row = self.new_row("guided", flow.domain, subject, description, status)
        row["matched_flow_id"] = self.flow_ids[flow.key]
        row["match_score"] = round(self.rng.uniform(0.85, 0.98), 3)
        reached = status == "resolved"
        if reached:
            row["resolution_summary"] = path[-1][0]["solution"]
        return self.finish(Simulated(row, steps, "guided", flow=flow, reached_solution=reached))

    def exploring(self, flow: Flow, escape_node: str | None = None, status: str | None = None) -> Simulated:
        if escape_node is None:
            escape_node = self.rng.choice(sorted(flow.escapes))
        escape = self.rng.choice(flow.escapes[escape_node])
        # Free-text escapes mostly; sometimes the engineer picks an answer the assistant offered ad hoc.
        free_text = escape.free_text and (flow.weak_node == escape_node or self.rng.random() < 0.75)
        subject, description = self.rng.choice(flow.intakes)
        status = status or self.outcome(flow.domain, resolve_bias=0.02)
        path = self.walk_flow(flow, stop_at=escape_node)
        steps = self.flow_steps(path)
        leave = steps[-1]
        if free_text:
            leave.update(was_free_text=True, free_text_input=escape.answer)
        else:
            leave["selected_option"] = escape.answer
        actions = list(escape.actions)
        if status == "abandoned":
            actions = actions[:1]
        steps += self.own_steps(actions, status, escape.resolution, flow.domain)
        row = self.new_row("exploring", flow.domain, subject, description, status)
        row["matched_flow_id"] = self.flow_ids[flow.key]
        row["match_score"] = round(self.rng.uniform(0.55, 0.8), 3)
        if status == "resolved":
            row["resolution_summary"] = escape.resolution
        key = f"{flow.key}|{escape_node}|{normalize_label(escape.answer)}"
        sim = Simulated(row, steps, "exploring", flow=flow, divergence=key, escape=escape, escape_node=escape_node)
        return self.finish(sim)

    def discovery(self, novel: Novel) -> Simulated:
        subject = self.rng.choice(novel.subjects)
        status = self.outcome(novel.domain, resolve_bias=-0.04)
        steps = [
            _step("question", {"question": q, "options": list(options)}, selected_option=picked)
            for q, options, picked in novel.questions
        ]
        actions = list(novel.actions)
        if status == "abandoned":
            steps = steps[:1]
            actions = []
        steps += self.own_steps(actions, status, novel.resolution, novel.domain)
        row = self.new_row("discovery", novel.domain, subject, novel.description, status)
        if status == "resolved":
            row["resolution_summary"] = novel.resolution
        return self.finish(Simulated(row, steps, "discovery", novel=novel))

    def own_steps(self, actions: list[str], status: str, resolution: str, domain: str | None) -> list[dict[str, Any]]:
        """What the engineer did on their own, off any flow: the actions, then the resolution or the escalation."""
        steps = [_step("action", {"instructions": action}, action_result="Done") for action in actions]
        if status == "resolved":
            steps.append(_step("resolution", {"solution": resolution}))
        elif status == "escalated":
            steps.append(self.escalation_step(domain))
        return steps

    def escalation_step(self, domain: str | None) -> dict[str, Any]:
        target = ESCALATION_TARGET.get(domain or "", "Tier 2 service desk")
        return _step("escalation", {"reason": "Beyond the service desk's remit", "escalated_to": target})

    # --- timing, conversation, PSA --------------------------------------------------------------------------------

    def finish(self, sim: Simulated, created: datetime | None = None) -> Simulated:
        row = sim.row
        status = row["status"]
        start = created or self.created_at(self._days_back(sim))
        minutes = self.duration_minutes(sim.kind, status)
        end = start + timedelta(minutes=minutes)
        if end > self.now:
            start, end = start - (end - self.now) - timedelta(minutes=5), self.now - timedelta(minutes=5)
        row["created_at"] = start
        row["ended_at"] = end if status != "active" else None
        row["resolved_at"] = end if status == "resolved" else None
        row["rating"] = self.rating(status)
        gap = (end - start) / (len(sim.steps) + 1)
        for number, step in enumerate(sim.steps, start=1):
            step["id"] = new_uuid(self.rng)
            step["session_id"] = row["id"]
            step["account_id"] = row["account_id"]
            step["step_number"] = number
            step["created_at"] = start + gap * number
        row["conversation_messages"] = conversation(row["intake_content"], sim.steps)
        if self.work.ticket_prefix and self.rng.random() < 0.7:
            self._ticket += self.rng.randint(1, 9)
            row["psa_ticket_id"] = f"{self.work.ticket_prefix}{self._ticket}"
            if status == "resolved":
                sim.push = self.push(row, minutes)
        return sim

    def _days_back(self, sim: Simulated) -> float:
        if sim.flow is None or sim.flow.key not in self.not_before:
            return 120.0
        node_id, days = self.not_before[sim.flow.key]
        if node_id is None or any(step["flow_node_id"] == node_id for step in sim.steps):
            return days
        return 120.0

    def push(self, row: dict[str, Any], minutes: float) -> dict[str, Any]:
        roll = self.rng.random()
        hours = max(0.25, round(minutes / 60 * 4) / 4)
        push = {
            "id": new_uuid(self.rng),
            "account_id": row["account_id"],
            "session_id": row["id"],
            "ticket_id": row["psa_ticket_id"],
            "hours": hours,
            "created_at": row["ended_at"],
        }
        if roll < 0.90:
            push.update(attempts=1, first_attempt_ok=True, status="succeeded", last_error=None)
            push["succeeded_at"] = row["ended_at"] + timedelta(seconds=self.rng.randint(2, 40))
        elif roll < 0.98:
            attempts = self.rng.choice((2, 3))
            push.update(attempts=attempts, first_attempt_ok=False, status="succeeded")
            push["last_error"] = self.rng.choice(PSA_ERRORS)
            push["succeeded_at"] = row["ended_at"] + timedelta(minutes=2**attempts + self.rng.randint(0, 5))
        else:
            push.update(attempts=5, first_attempt_ok=False, status="failed", succeeded_at=None)
            push["last_error"] = self.rng.choice(PSA_ERRORS)
        return push

    def active(self, flow: Flow, subject: str, description: str) -> Simulated:
        """A live session, part-way through its flow (what Script Assist is used from)."""
        path = self.walk_flow(flow)
        path = path[: self.rng.randint(1, max(1, len(path) - 1))]
        path[-1] = (path[-1][0], None)
        row = self.new_row("guided", flow.domain, subject, description, "active")
        row["intake_content"]["description"] = description
        row["matched_flow_id"] = self.flow_ids[flow.key]
        row["match_score"] = round(self.rng.uniform(0.82, 0.97), 3)
        start = self.now - timedelta(minutes=self.rng.randint(4, 50))
        return self.finish(Simulated(row, self.flow_steps(path), "guided", flow=flow), created=start)


def _step(step_type: str, content: dict[str, Any], **fields: Any) -> dict[str, Any]:
    step = {
        "step_type": step_type,
        "content": content,
        "selected_option": None,
        "was_free_text": False,
        "free_text_input": None,
        "action_result": None,
        "flow_node_id": None,
    }
    step.update(fields)
    return step


def conversation(intake: dict[str, Any], steps: list[dict[str, Any]]) -> list[dict[str, str]]:
    """The chat the engineer had with the assistant, consistent with the steps."""
    messages = [
        {"role": "user", "content": f"{intake['subject']}. {intake['description']} Device: {intake['device']}."}
    ]
    for step in steps:
        content = step["content"]
        kind = step["step_type"]
        if kind == "question":
            options = " / ".join(content.get("options") or [])
            messages.append({"role": "assistant", "content": f"{content['question']} ({options})"})
            answer = step["free_text_input"] if step["was_free_text"] else step["selected_option"]
            if answer:
                messages.append({"role": "user", "content": answer})
        elif kind == "action" and step["flow_node_id"] is None:
            # Off the flow the engineer leads: they report what they did, the assistant records it.
            messages.append({"role": "user", "content": content["instructions"]})
            messages.append({"role": "assistant", "content": "Noted. What happened next?"})
            continue
        elif kind == "action":
            messages.append({"role": "assistant", "content": f"Next: {content['instructions']}"})
            if step["action_result"]:
                messages.append({"role": "user", "content": step["action_result"]})
        elif kind == "resolution":
            messages.append({"role": "assistant", "content": f"Resolved: {content['solution']}"})
        elif kind == "escalation":
            messages.append({"role": "assistant", "content": f"Escalating to {content['escalated_to']}."})
    return messages


def pick_novel(rng: random.Random, novels: tuple[Novel, ...] = NOVEL) -> Novel:
    return rng.choices(novels, weights=[n.weight for n in novels])[0]
