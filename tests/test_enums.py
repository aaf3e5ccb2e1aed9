"""The StrEnums are the database strings, and the models' choices and CHECK constraints come from them."""

from core.enums import ProposalStatus, ProposalType, SessionStatus, values
from core.models import CLOSED_STATUSES, PROPOSAL_TYPES, SESSION_STATUSES, FlowProposal, ScriptGeneration


def _checks(model) -> dict[str, str]:
    return {c.name: str(c.sqltext) for c in model.__table__.constraints if hasattr(c, "sqltext")}


def test_members_are_their_stored_strings():
    assert SessionStatus.RESOLVED == "resolved" and f"{ProposalStatus.AUTO_REINFORCED}" == "auto_reinforced"
    assert values(ProposalType) == PROPOSAL_TYPES == ("new_flow", "enhancement", "review")
    assert SESSION_STATUSES == ("active", "resolved", "escalated", "abandoned")
    assert CLOSED_STATUSES == ("resolved", "escalated", "abandoned")


def test_check_constraints_are_rendered_from_the_enums():
    checks = _checks(FlowProposal)
    assert checks["ck_flow_proposals_proposal_type"] == "proposal_type IN ('new_flow', 'enhancement', 'review')"
    assert checks["ck_flow_proposals_status"] == (
        "status IN ('pending', 'approved', 'modified', 'rejected', 'dismissed', 'auto_reinforced', 'merged')"
    )
    assert (
        _checks(ScriptGeneration)["ck_script_generations_result"] == "result IS NULL OR result IN ('worked', 'failed')"
    )
