"""core.transcript: the one reading of a session's intake, conversation and steps (hand-built rows, no database)."""

from core.enums import Speaker
from core.models import AISession, AISessionStep
from core.transcript import IntakeField, StepContent, Turn, intake_text, read_intake, read_transcript, read_turns


def _step(number: int, step_type: str, content: object, **fields: object) -> AISessionStep:
    return AISessionStep(step_number=number, step_type=step_type, content=content, **fields)


def test_intake_fields_keep_order_and_flatten_values_to_text():
    fields = read_intake(
        {
            "device": " LAPTOP-17 ",
            "users_affected": 3,
            "apps": ["Outlook", "", "Teams"],
            "network": {"vpn": True, "site": "Leeds"},
            "notes": None,
        }
    )
    assert [(f.key, f.text) for f in fields] == [
        ("device", "LAPTOP-17"),
        ("users_affected", "3"),
        ("apps", "Outlook, Teams"),
        ("network", "vpn: True; site: Leeds"),
        ("notes", ""),
    ]
    assert [f.is_scalar for f in fields] == [True, True, False, False, True]
    assert intake_text(fields) == (
        "device: LAPTOP-17\nusers_affected: 3\napps: Outlook, Teams\nnetwork: vpn: True; site: Leeds"
    )


def test_an_intake_stored_as_text_is_one_field_and_other_shapes_none():
    assert read_intake("Printer jams on tray 2") == [
        IntakeField("", "Printer jams on tray 2", "Printer jams on tray 2")
    ]
    assert intake_text(read_intake("Printer jams on tray 2")) == "Printer jams on tray 2"
    assert read_intake(["not", "an", "object"]) == []
    assert read_intake(None) == []


def test_conversation_roles_map_to_one_speaker_each_and_empty_messages_are_dropped():
    turns = read_turns(
        [
            {"role": "user", "content": "Outlook keeps asking for my password"},
            {"role": "engineer", "content": "It started after the update"},
            {"role": "human", "content": [{"type": "text", "text": "On two PCs"}]},
            {"role": "assistant", "content": "Is Modern Authentication enabled?"},
            {"role": "system", "content": "Session resumed"},
            {"role": "tool", "content": "   "},
            "not a message",
            {"content": "No role given"},
        ]
    )
    assert turns == [
        Turn(Speaker.ENGINEER, "Outlook keeps asking for my password"),
        Turn(Speaker.ENGINEER, "It started after the update"),
        Turn(Speaker.ENGINEER, "On two PCs"),
        Turn(Speaker.ASSISTANT, "Is Modern Authentication enabled?"),
        Turn(Speaker.SYSTEM, "Session resumed"),
        Turn(Speaker.ASSISTANT, "No role given"),
    ]
    assert read_turns({"role": "user"}) == []


def test_steps_read_prompt_conclusion_options_and_template():
    session = AISession(
        problem_summary="  Outlook prompts for credentials ", intake_content={}, conversation_messages=[]
    )
    steps = [
        _step(
            1,
            "question",
            {
                "question": "Does it happen on every PC?",
                "options": ["Yes", {"label": "Only one"}, {"text": "No"}, 4, {}],
            },
            selected_option="Only one",
            flow_node_id="q1",
        ),
        _step(2, "action", {"instructions": "Clear cached credentials"}, action_result="Done"),
        _step(3, "question", {"question": "  "}, was_free_text=True, free_text_input="Only in OWA"),
        _step(4, "script_generation", {"template_id": "t-1", "template": "Reset password", "parameters": {}}),
        _step(5, "resolution", {"solution": "Enable Modern Authentication"}, flow_node_id="s2"),
        _step(6, "note", "Engineer called the user back"),
    ]
    transcript = read_transcript(session, steps)
    assert transcript.summary == "Outlook prompts for credentials"
    assert transcript.steps[0] == StepContent(
        number=1,
        step_type="question",
        node_id="q1",
        prompt="Does it happen on every PC?",
        conclusion="",
        options=["Yes", "Only one", "No", "4"],
        selected="Only one",
        was_free_text=False,
        free_text=None,
        result=None,
        template_id=None,
        template_name=None,
    )
    assert [(s.prompt, s.conclusion, s.headline) for s in transcript.steps] == [
        ("Does it happen on every PC?", "", "Does it happen on every PC?"),
        ("Clear cached credentials", "", "Clear cached credentials"),
        ("", "", ""),
        ("", "", "Reset password"),
        ("", "Enable Modern Authentication", "Enable Modern Authentication"),
        ("Engineer called the user back", "", "Engineer called the user back"),
    ]
    assert transcript.steps[2].was_free_text and transcript.steps[2].free_text == "Only in OWA"
    assert transcript.steps[3].template_id == "t-1"


def test_flywheel_facts_read_the_session_through_the_transcript(db):
    from core.flywheel.facts import load_facts
    from tests.factories import make_account, make_session

    session = make_session(
        db,
        make_account(db),
        intake_content={"device": "LAPTOP-17", "apps": ["Outlook", "Teams"], "network": {"vpn": "yes"}},
        steps=[
            {"step_type": "question", "content": {"question": "Every PC?", "options": [{"label": "Yes"}, "No"]}},
            {"step_type": "script_generation", "content": {"template_id": "t-7", "template": "Flush DNS"}},
            {"step_type": "resolution", "content": {"solution": "Re-enabled Modern Auth"}},
        ],
    )
    facts = load_facts(db, session)
    # Redacted after reading: the host name is a placeholder.
    assert facts.intake_text == "device: <HOST_1>\napps: Outlook, Teams\nnetwork: vpn: yes"
    assert [(s.step_type, s.text, s.options, s.script_template_id) for s in facts.steps] == [
        ("question", "Every PC?", ["Yes", "No"], None),
        # Script Assist writes template_id; the flywheel keeps it on the node it builds for this step.
        ("script_generation", "", [], "t-7"),
        # The flywheel's step text is the prompt only: a solution is the session's resolution, not a step text.
        ("resolution", "", [], None),
    ]
