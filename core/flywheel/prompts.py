"""What the model is told: the stable system prompt (cached) and the per-problem request.

The system prompt is the same for every request of every account, so it is sent with ``cache_control`` and read
from the cache after the first call. A cache entry only exists above a minimum prompt length (1,024 tokens for
the Sonnet and Opus models, the default; 2,048 for Haiku); the tree rules alone are about 600 tokens, so the
prompt carries three worked examples as well (about 1,700 tokens in all by a conservative estimate: enough for
Sonnet and Opus, not for Haiku). A test holds the estimate 25 % above ``SYSTEM_PROMPT_MIN_TOKENS``.

The request names every supporting session of one problem: the model writes one tree from all of them, once per
problem, rather than one tree per session.
"""

from __future__ import annotations

import json
from typing import Any

SYSTEM_PROMPT_MIN_TOKENS = 1024

TREE_RULES = """You write troubleshooting flows for an MSP service desk. Engineers follow these flows in an AI
assistant while a customer waits, so every question must be answerable by the engineer in under a minute and every
option must lead somewhere useful.

A flow is a tree of nodes. Every node has: "id" (unique in the tree, short, e.g. q1, a2, s3), "type" (question |
action | solution) and its text in the field named like its type ("question", "action" or "solution").
Every node except the root has "label": the option text that leads to it from its parent. Children go in "children".

Rules (a flow that breaks one is sent back with the list of what is wrong):
- A question has 2 to 5 children, with labels unique among siblings (ignoring case and spaces).
- An action has 0 or 1 child: the next step after doing it. A solution has no children and ends the flow.
- Texts are non-empty and at most 2,000 characters; labels at most 200 characters; ids at most 120 characters.
- At most 25 levels and 500 nodes.

What to keep and what to drop:
- Keep the diagnostic questions that narrowed the problem down, with the options that were offered, in the order
  they were asked. When several sessions are given, they are the same problem: merge their paths into one tree.
  A question asked in different words by different sessions is one question; word it plainly once.
- Where one session took an option that another session did not, both options lead to what that session did.
- An option that no session explored still needs a child: make it a solution that says to continue
  troubleshooting or escalate to the next tier, rather than inventing steps nobody tried.
- Keep the actions that helped, as imperative sentences ("Restart the Print Spooler service").
- End each path with the resolution as a solution node, in the words of the engineers who fixed it.
- Drop dead ends, repeated questions, small talk, notes and anything about one particular customer.
- Keep placeholders such as <EMAIL_1>, <HOST_2>, <PERSON_1> or <COMPANY_1> as they are: never invent real names,
  addresses, host names, companies or serial numbers. Flows are generic knowledge shared across customers.
- Title: the problem the flow solves, as an engineer would search for it (e.g. "Autopilot enrollment fails with
  0x80180014"). Keywords: symptoms, error codes with and without 0x, product names and their abbreviations.

Answer only by calling the tool."""

# Worked examples: the session summaries a request carries, and the tool input a good answer gives.
EXAMPLES: list[dict[str, Any]] = [
    {
        "sessions": [
            {
                "problem_summary": "Print jobs stuck in queue",
                "steps": [
                    {"type": "question", "text": "Does a test page print from the printer's panel?", "answer": "Yes"},
                    {"type": "question", "text": "Does restarting the spooler clear the queue?", "answer": "No"},
                    {"type": "action", "text": "Delete the files in the spool PRINTERS folder"},
                ],
                "resolution": "Cleared the spool folder; printing resumed.",
            },
            {
                "problem_summary": "Spooler hung, documents won't print",
                "steps": [
                    {"type": "question", "text": "Can the printer print its own test page?", "answer": "Yes"},
                    {"type": "question", "text": "Does a spooler restart clear the jobs?", "answer": "Yes"},
                ],
                "resolution": "Restarting the Print Spooler service cleared the queue.",
            },
        ],
        "answer": {
            "title": "Print jobs stuck in the queue",
            "description": "Jobs pile up in the Windows print queue while the printer itself works.",
            "match_keywords": ["print queue", "spooler", "stuck print jobs"],
            "tree_structure": {
                "id": "q1",
                "type": "question",
                "question": "Does the printer print a test page from its own panel?",
                "children": [
                    {
                        "id": "s1",
                        "label": "No",
                        "type": "solution",
                        "solution": "The printer itself is faulty: continue with the printer hardware flow or escalate.",
                    },
                    {
                        "id": "q2",
                        "label": "Yes",
                        "type": "question",
                        "question": "Does restarting the Print Spooler service clear the queue?",
                        "children": [
                            {
                                "id": "s2",
                                "label": "Yes",
                                "type": "solution",
                                "solution": "Restarting the Print Spooler service cleared the queue.",
                            },
                            {
                                "id": "a1",
                                "label": "No",
                                "type": "action",
                                "action": "Stop the spooler, delete the files in the spool PRINTERS folder, start it again",
                                "children": [
                                    {
                                        "id": "s3",
                                        "label": "Queue cleared",
                                        "type": "solution",
                                        "solution": "Cleared the spool folder; printing resumed.",
                                    }
                                ],
                            },
                        ],
                    },
                ],
            },
        },
    },
    {
        "sessions": [
            {
                "problem_summary": "Outlook keeps asking <PERSON_1> for a password",
                "steps": [
                    {"type": "question", "text": "Does webmail accept the same password?", "answer": "Yes"},
                    {
                        "type": "question",
                        "text": "Are there stale Office credentials in Credential Manager?",
                        "answer": "Yes",
                    },
                    {"type": "action", "text": "Remove the MicrosoftOffice16 entries and restart Outlook"},
                ],
                "resolution": "Cleared the cached credentials; the prompts stopped.",
            }
        ],
        "answer": {
            "title": "Outlook prompts for a password again and again",
            "description": "Outlook keeps showing the credential prompt although the password is right.",
            "match_keywords": ["outlook", "password prompt", "credential manager", "m365"],
            "tree_structure": {
                "id": "q1",
                "type": "question",
                "question": "Does Outlook on the web accept the same password?",
                "children": [
                    {
                        "id": "s1",
                        "label": "No",
                        "type": "solution",
                        "solution": "The password itself is wrong or expired: reset it, then sign in again.",
                    },
                    {
                        "id": "q2",
                        "label": "Yes",
                        "type": "question",
                        "question": "Are there stale Office credentials in Windows Credential Manager?",
                        "children": [
                            {
                                "id": "a1",
                                "label": "Yes",
                                "type": "action",
                                "action": "Remove the MicrosoftOffice16 credentials and restart Outlook",
                                "children": [
                                    {
                                        "id": "s2",
                                        "label": "Prompts stopped",
                                        "type": "solution",
                                        "solution": "Cleared the cached credentials; the prompts stopped.",
                                    }
                                ],
                            },
                            {
                                "id": "s3",
                                "label": "No",
                                "type": "solution",
                                "solution": "Not explored yet: continue troubleshooting or escalate to the next tier.",
                            },
                        ],
                    },
                ],
            },
        },
    },
    {
        "sessions": [
            {
                "problem_summary": "VPN error 809 on hotel Wi-Fi for <PERSON_2> on <HOST_1>",
                "steps": [
                    {"type": "question", "text": "Does the user have internet without the VPN?", "answer": "Yes"},
                    {
                        "type": "question",
                        "text": "What error does the VPN client show?",
                        "answer": "Error 809 (free text)",
                    },
                    {"type": "action", "text": "Switch the connection to the SSL VPN profile on TCP 443"},
                ],
                "resolution": "The SSL VPN profile connects where IPsec is blocked.",
            }
        ],
        "answer": {
            "title": "VPN error 809 on guest networks",
            "description": "IPsec VPN fails with error 809 on networks that block UDP 500/4500.",
            "match_keywords": ["vpn", "error 809", "ipsec", "ssl vpn"],
            "tree_structure": {
                "id": "q1",
                "type": "question",
                "question": "Does the user have internet access without the VPN?",
                "children": [
                    {
                        "id": "s1",
                        "label": "No",
                        "type": "solution",
                        "solution": "Fix the local network connection first.",
                    },
                    {
                        "id": "a1",
                        "label": "Yes",
                        "type": "action",
                        "action": "Switch the connection to the SSL VPN profile on TCP 443",
                        "children": [
                            {
                                "id": "s2",
                                "label": "Connected",
                                "type": "solution",
                                "solution": "The SSL VPN profile connects where IPsec is blocked.",
                            }
                        ],
                    },
                ],
            },
        },
    },
]


def system_prompt() -> str:
    """The rules and the worked examples: one stable text, cached by the API after the first call."""
    parts = [TREE_RULES, "", "Worked examples (sessions given -> the tool input a good answer gives):"]
    for number, example in enumerate(EXAMPLES, start=1):
        parts.append(f"\nExample {number}. Sessions: {json.dumps(example['sessions'], ensure_ascii=False)}")
        parts.append(f"Answer: {json.dumps(example['answer'], ensure_ascii=False)}")
    return "\n".join(parts)


def estimated_tokens(text: str) -> int:
    """A conservative token estimate (English and JSON run at about 3.5-4 characters a token)."""
    return len(text) // 4


def cluster_request(sessions: list[dict[str, Any]]) -> str:
    """The user message for one problem: every supporting session's redacted payload."""
    if len(sessions) == 1:
        return "Build a new troubleshooting flow from this resolved session (JSON):\n" + json.dumps(
            sessions[0], ensure_ascii=False
        )
    head = (
        f"These {len(sessions)} resolved sessions are the same problem. Build ONE troubleshooting flow that "
        "covers every path they took (JSON):\n"
    )
    return head + json.dumps(sessions, ensure_ascii=False)


def branch_request(
    flow_name: str, tree: dict[str, Any], node_id: str, label: str, sessions: list[dict[str, Any]]
) -> str:
    """The user message for one new branch of a flow: the flow, the node, and what each supporting session did
    after leaving it there (redacted payloads)."""
    if len(sessions) == 1:
        who = f"the engineer answered '{label}', which the flow does not offer, and then resolved the problem"
        steps = "Steps after leaving the flow: " + json.dumps(sessions[0], ensure_ascii=False)
    else:
        who = (
            f"{len(sessions)} engineers gave an answer the flow does not offer (first written '{label}'; their words "
            "differ, the meaning is one) and then resolved the problem"
        )
        steps = "Steps after leaving the flow, one entry per session: " + json.dumps(sessions, ensure_ascii=False)
    return (
        f"The flow '{flow_name}' (JSON below) was followed until node '{node_id}', where {who} with the steps "
        "below. Write the branch to add under that node for this answer; use node ids not already in the flow.\n"
        f"Flow: {json.dumps(tree, ensure_ascii=False)}\n{steps}"
    )
