"""What actually leaves the machine: the request bodies the flywheel and Script Assist send to the Messages API.

One session carries one value of every kind a ticket holds; the fake Messages API server (tests/fake_anthropic.py)
records the body, and none of the planted values may be in it.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from core.auth import load_user
from core.config import Settings
from core.db import session_scope
from core.flywheel.engine import Providers
from core.flywheel.generators import AnthropicGenerator
from core.flywheel.runner import Runner
from core.llm.client import AnthropicClient
from core.models import Account, AISession, FlowProposal, ScriptTemplate
from core.scripts.library import seed_script_templates
from core.scripts.suggest import suggest
from core.similarity.embedders import LocalEmbedder
from core.trees import question_tree
from tests.factories import NOW, ask, make_account, make_session, make_team, make_user
from tests.fake_anthropic import fake_anthropic_fixture  # noqa: F401

MODEL = "claude-test-model"
# Every kind of personal or customer data a ticket carries, as the session below plants it.
PLANTED = {
    "email": "jane.doe@tailspin.example",
    "phone": "+44 20 7946 0958",
    "ip": "10.20.30.41",
    "lower-case host": "nw-lt-0519",
    "mixed-case host": "Tailspin-SQL01",
    "device: line": "kevins-pc",
    "requester": "Kevin Wong",
    "requester's first name": "Kevin",
    "engineer (users table)": "Priya Shah",
    "end customer": "Tailspin Toys",
    "serial number": "5CD1234XYZ",
}
INTAKE = {
    "subject": "VPN drops every hour on nw-lt-0519",
    "description": (
        "Kevin says the VPN drops hourly since Monday; the SQL client then loses Tailspin-SQL01.\n"
        "Customer: Tailspin Toys\nSerial: 5CD1234XYZ\nCall back on +44 20 7946 0958."
    ),
    "requester": "Kevin Wong <jane.doe@tailspin.example>",
    "device": "kevins-pc",
}
STEPS = [
    ask("Does the VPN drop on other networks too?", "No"),
    {
        "step_type": "action",
        "content": {"instructions": "Ping the gateway 10.20.30.41 from nw-lt-0519"},
        "action_result": "Priya Shah saw 40% loss; Kevin confirmed the Wi-Fi is 2.4 GHz.",
    },
]
FLOW = {
    "title": "VPN drops hourly on 2.4 GHz Wi-Fi",
    "description": "Asked for <PERSON_2> on <HOST_1>.",
    "match_keywords": ["vpn", "wi-fi", "drops"],
    "problem_domain": "vpn",
    "tree_structure": question_tree(
        "Does the VPN drop on other networks too?",
        {"Yes": "Reinstall the VPN client.", "No": "Move the laptop to the 5 GHz network."},
    ),
}


def plant(db: Session) -> tuple[Account, AISession]:
    account = make_account(db, name="Northwind IT")
    team = make_team(db, account)
    make_user(db, account, "engineer", team, name="Priya Shah")
    session = make_session(
        db,
        account,
        confidence_tier="discovery",
        analysis_status="pending",
        problem_domain="vpn",
        problem_summary="VPN drops every hour for Kevin Wong",
        intake_content=INTAKE,
        resolution_summary="Moved nw-lt-0519 to the 5 GHz network for Tailspin Toys.",
        steps=STEPS,
        created_at=NOW,
    )
    return account, session


def leaked(text: str) -> list[str]:
    return [kind for kind, value in PLANTED.items() if value.lower() in text.lower()]


def test_the_flywheel_request_carries_placeholders_for_every_planted_kind(engine: Engine, fake_anthropic) -> None:
    with session_scope(engine) as db:
        _account, session = plant(db)
        session_id = session.id
    fake_anthropic.tool_use(FLOW, name="submit_new_flow")
    generator = AnthropicGenerator(AnthropicClient("test-key", MODEL, fake_anthropic.url, max_retries=0, timeout=2.0))
    providers = Providers(generator, LocalEmbedder(), Settings(model_at_support=1))
    clock = lambda: NOW + timedelta(hours=1)  # noqa: E731
    stats = Runner(engine, providers, worker_id="w", clock=clock).run_pass()
    assert dict(stats.outcomes) == {"new_flow": 1}

    [request] = fake_anthropic.messages
    sent = json.dumps(request.json, ensure_ascii=False)
    assert leaked(sent) == []
    for placeholder in (
        "<EMAIL_1>",
        "<PHONE_1>",
        "<IP_1>",
        "<HOST_1>",
        "<HOST_2>",
        "<HOST_3>",
        "<PERSON_1>",
        "<PERSON_2>",
        "<PERSON_3>",
        "<COMPANY_1>",
        "<SERIAL_1>",
    ):
        assert placeholder in sent, placeholder
    # The problem itself still reaches the model whole.
    assert "Does the VPN drop on other networks too?" in sent and "2.4 GHz" in sent and "Wi-Fi" in sent

    # A flow is shared knowledge: the proposal keeps the model's placeholders and never gets the real values back.
    with session_scope(engine) as db:
        proposal_id = db.get(AISession, session_id).analysis_proposal_id
        proposal = db.get(FlowProposal, proposal_id)
        assert proposal.description == "Asked for <PERSON_2> on <HOST_1>."
        assert leaked(json.dumps([proposal.title, proposal.description, proposal.proposed_flow_data])) == []


def test_script_assist_sends_placeholders_and_maps_the_answer_back(db: Session, fake_anthropic) -> None:
    account, session = plant(db)
    team = make_team(db, account, "Second line")
    user = load_user(db, make_user(db, account, "engineer", team, name="Omar Haddad").id)
    seed_script_templates(db)
    db.commit()
    template = db.scalar(select(ScriptTemplate).where(ScriptTemplate.name == "Add user to AD group"))
    fake_anthropic.script_suggestion(
        template.id,
        {"identity": "<PERSON_2>", "group": "VPN-Users"},
        instructions="Ask <PERSON_2> on <HOST_1> to reconnect after <COMPANY_1> approves.",
        confidence=0.6,
    )
    result = suggest(
        db.get_bind(),
        user,
        session.id,
        Settings(anthropic_api_key="k", anthropic_base_url=fake_anthropic.url, anthropic_model="m"),
    )

    sent = json.dumps(fake_anthropic.messages[0].json, ensure_ascii=False)
    assert leaked(sent) == [] and "Omar Haddad" not in sent
    prompt = fake_anthropic.messages[0].json["messages"][0]["content"]
    # The session is read afresh from the database, and PostgreSQL's jsonb keeps an intake's keys in its own order:
    # the hosts are numbered in the order its fields are read, so only which line holds which host is compared.
    lines = prompt.split("Available templates")[0].splitlines()[3:]
    hosts = sorted(set(re.findall(r"<HOST_\d+>", "\n".join(lines))))
    assert hosts == ["<HOST_1>", "<HOST_2>", "<HOST_3>"]
    subject = next(re.search(r"on (<HOST_\d>)$", x).group(1) for x in lines if x.startswith("Intake · subject"))
    sql_host = next(re.search(r"loses (<HOST_\d>)", x).group(1) for x in lines if "loses <HOST_" in x)
    (device_host,) = set(hosts) - {subject, sql_host}
    assert sorted(lines) == sorted(
        [
            "Summary: VPN drops every hour for <PERSON_1>",
            f"Intake · subject: VPN drops every hour on {subject}",
            f"Intake · description: <PERSON_2> says the VPN drops hourly since Monday; the SQL client then loses {sql_host}.",
            "Customer: <COMPANY_1>",
            "Serial: <SERIAL_1>",
            "Call back on <PHONE_1>.",
            "Intake · requester: <PERSON_1> <<EMAIL_1>>",
            f"Intake · device: {device_host}",
            "Step 1: Does the VPN drop on other networks too? — No",
            f"Step 2: Ping the gateway <IP_1> from {subject} — <PERSON_3> saw 40% loss; <PERSON_2> confirmed the Wi-Fi is "
            "2.4 GHz.",
            "",
        ]
    )
    # The engineer sees the real values: the placeholders of the answer are mapped back on this machine.
    host_1 = {subject: "nw-lt-0519", sql_host: "Tailspin-SQL01", device_host: "kevins-pc"}["<HOST_1>"]
    assert result.suggestion.instructions == f"Ask Kevin on {host_1} to reconnect after Tailspin Toys approves."
    assert result.suggestion.values == {"identity": "Kevin", "group": "VPN-Users"}
