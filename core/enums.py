"""The closed vocabularies of the schema: statuses, kinds, outcomes and roles, as ``StrEnum``.

Each member *is* its database string (``SessionStatus.RESOLVED == "resolved"``), so the values stored in rows are
unchanged and members can be bound, compared and serialised as plain strings. The models' CHECK constraints and
the tuples the pages offer as choices are derived from these classes: adding a value here is the one edit a new
status needs (plus a migration for the constraint).
"""

from __future__ import annotations

from enum import StrEnum


class UserRole(StrEnum):
    """What a person may do; ordered from most hands-on to read-only."""

    ENGINEER = "engineer"
    TEAM_ADMIN = "team_admin"
    OWNER = "owner"
    ANALYST = "analyst"
    VIEWER = "viewer"


class SessionStatus(StrEnum):
    """A session is active until it is resolved, escalated or abandoned; those three are closed."""

    ACTIVE = "active"
    RESOLVED = "resolved"
    ESCALATED = "escalated"
    ABANDONED = "abandoned"


class ConfidenceTier(StrEnum):
    """How sure the session was of its path: on a matched flow, exploring near one, or discovering without one.

    ``unknown`` is what an imported session gets when its source records no tier (most ticket systems do not); it is
    shown as such and never counted as one of the other three.
    """

    GUIDED = "guided"
    EXPLORING = "exploring"
    DISCOVERY = "discovery"
    UNKNOWN = "unknown"


class AnalysisStatus(StrEnum):
    """Where a closed session stands in the flywheel queue (NULL in the row: never queued)."""

    PENDING = "pending"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    DEFERRED = "deferred"


class AnalysisOutcome(StrEnum):
    """What the flywheel did with a session (``ai_sessions.analysis_outcome``; no CHECK constraint)."""

    AUTO_REINFORCED = "auto_reinforced"
    ENHANCEMENT = "enhancement"
    NEW_FLOW = "new_flow"
    MERGED = "merged"
    FLOW_FAILURE_RECORDED = "flow_failure_recorded"
    NO_PROPOSAL = "no_proposal"
    DEFERRED = "deferred"
    FAILED = "failed"


class StepType(StrEnum):
    """The kind of one step of a session."""

    QUESTION = "question"
    ACTION = "action"
    SCRIPT_GENERATION = "script_generation"
    RESOLUTION = "resolution"
    ESCALATION = "escalation"
    NOTE = "note"


class ProposalType(StrEnum):
    """A proposal builds a new flow, adds to an existing one (the target flow), or asks a reviewer to look at a
    published flow again because its resolution rate drifted down (``review``)."""

    NEW_FLOW = "new_flow"
    ENHANCEMENT = "enhancement"
    REVIEW = "review"


class ProposalStatus(StrEnum):
    """Pending until a reviewer decides; ``auto_reinforced`` records are written decided; ``merged`` ones were joined
    into another proposal by the flywheel."""

    PENDING = "pending"
    APPROVED = "approved"
    MODIFIED = "modified"
    REJECTED = "rejected"
    DISMISSED = "dismissed"
    AUTO_REINFORCED = "auto_reinforced"
    # Joined into another open proposal of the same problem that was found later (``merged_into_id``): its sessions
    # and their paths moved there; the row stays so a link to it still explains where they went.
    MERGED = "merged"


class TreeType(StrEnum):
    TROUBLESHOOTING = "troubleshooting"
    PROCEDURAL = "procedural"


class TreeOrigin(StrEnum):
    MANUAL = "manual"
    AI_GENERATED = "ai_generated"
    AI_ENHANCED = "ai_enhanced"


class PSAPushStatus(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class ScriptResult(StrEnum):
    """What the engineer reported after running a generated script (NULL: nothing reported yet)."""

    WORKED = "worked"
    FAILED = "failed"


class Speaker(StrEnum):
    """Who said a turn of a session's conversation, after mapping the roles the sources write."""

    ENGINEER = "engineer"
    ASSISTANT = "assistant"
    SYSTEM = "system"


def values(enum: type[StrEnum]) -> tuple[str, ...]:
    """The database strings of ``enum``, in declaration order (choices for a page, a CHECK constraint)."""
    return tuple(member.value for member in enum)
