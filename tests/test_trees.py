"""The tree validator (every rule, exact message), the walker, the diff and add_branch (core/trees.py)."""

from __future__ import annotations

import copy

import pytest

from core.trees import (
    MAX_DEPTH,
    MAX_NODES,
    MAX_TEXT_LENGTH,
    GraphEdge,
    InvalidTree,
    add_branch,
    diff_trees,
    ensure_valid,
    question_tree,
    to_graph,
    validate_tree,
    walk,
)
from tests.factories import OUTLOOK_TREE


def sol(node_id: str, label: str, text: str = "Fixed.") -> dict:
    return {"id": node_id, "label": label, "type": "solution", "solution": text}


def question(node_id: str, text: str, children: list[dict], label: str | None = None) -> dict:
    node = {"id": node_id, "type": "question", "question": text, "children": children}
    if label is not None:
        node["label"] = label
    return node


def test_outlook_tree_is_valid():
    assert validate_tree(OUTLOOK_TREE) == []
    ensure_valid(OUTLOOK_TREE)


def test_not_an_object():
    assert validate_tree(["q1"]) == ["tree: must be a JSON object"]


def test_question_with_one_option():
    tree = question("q1", "Is the printer online?", [sol("s1", "Yes")])
    assert validate_tree(tree) == ["node 'q1': a question needs 2–5 options, it has 1"]


def test_question_with_six_options():
    tree = question("q1", "Which error code?", [sol(f"s{i}", f"Code {i}") for i in range(6)])
    assert validate_tree(tree) == ["node 'q1': a question needs 2–5 options, it has 6"]


def test_question_with_five_options_is_valid():
    assert validate_tree(question("q1", "Which error code?", [sol(f"s{i}", f"Code {i}") for i in range(5)])) == []


def test_action_with_two_children():
    tree = question(
        "q1",
        "Is the spooler running?",
        [
            {
                "id": "a1",
                "label": "No",
                "type": "action",
                "action": "Start the Print Spooler service.",
                "children": [sol("s1", "Started"), sol("s2", "Fails")],
            },
            sol("s3", "Yes"),
        ],
    )
    assert validate_tree(tree) == ["node 'a1': an action has at most 1 next step, it has 2"]


def test_solution_with_a_child():
    tree = question(
        "q1",
        "Is the VPN connected?",
        [
            {"id": "s1", "label": "Yes", "type": "solution", "solution": "Done.", "children": [sol("s9", "More")]},
            sol("s2", "No"),
        ],
    )
    assert validate_tree(tree) == ["node 's1': a solution ends the flow and has no children, it has 1"]


def test_duplicate_id():
    tree = question("q1", "Is the disk full?", [sol("s1", "Yes"), sol("s1", "No")])
    assert validate_tree(tree) == ["node 's1': duplicate id"]


def test_missing_id_names_the_path():
    tree = question("q1", "Is the disk full?", [sol("s1", "Yes"), {"label": "No", "type": "solution", "solution": "x"}])
    assert validate_tree(tree) == ["node 'q1' > option 2: missing id"]


def test_empty_text_after_trimming():
    tree = question("q1", "   ", [sol("s1", "Yes"), sol("s2", "No", " \n ")])
    assert validate_tree(tree) == ["node 'q1': question text is empty", "node 's2': solution text is empty"]


def test_empty_label():
    tree = question("q1", "Is DNS resolving?", [sol("s1", "Yes"), sol("s2", "  ")])
    assert validate_tree(tree) == ["node 's2': label (the option that leads here) is empty"]


def test_root_needs_no_label():
    tree = question("q1", "Is DNS resolving?", [sol("s1", "Yes"), sol("s2", "No")])
    assert "label" not in tree
    assert validate_tree(tree) == []


def test_duplicate_sibling_label_is_case_and_space_insensitive():
    tree = question("q1", "Is the mailbox full?", [sol("s1", "Yes, full"), sol("s2", "  yes,   FULL ")])
    assert validate_tree(tree) == ["node 'q1': option label 'yes,   FULL' is used twice"]


def test_same_label_under_different_parents_is_fine():
    inner = question("q2", "Is it a shared mailbox?", [sol("s2", "Yes"), sol("s3", "No")], label="Yes")
    assert validate_tree(question("q1", "Is the mailbox full?", [inner, sol("s1", "No")])) == []


def test_too_deep():
    # A chain of actions: the root is level 1, so the node at level MAX_DEPTH + 1 is the first one too deep.
    leaf: dict = sol("s", "Done")
    for level in range(MAX_DEPTH, 0, -1):
        leaf = {"id": f"a{level}", "type": "action", "action": f"Step {level}", "label": "Next", "children": [leaf]}
    del leaf["label"]
    assert validate_tree(leaf) == [f"node 's': deeper than {MAX_DEPTH} levels"]


def test_exactly_max_depth_is_valid():
    leaf: dict = sol("s", "Done")
    for level in range(MAX_DEPTH - 1, 0, -1):
        leaf = {"id": f"a{level}", "type": "action", "action": f"Step {level}", "label": "Next", "children": [leaf]}
    del leaf["label"]
    assert validate_tree(leaf) == []


def test_too_many_nodes():
    # 1 + 5 + 25 + 125 questions and 625 solutions = 781 nodes, depth 5.
    def build(prefix: str, level: int, label: str | None) -> dict:
        if level == 4:
            node = {"id": prefix, "type": "solution", "solution": "Done."}
        else:
            kids = [build(f"{prefix}.{i}", level + 1, f"Option {i}") for i in range(5)]
            node = {"id": prefix, "type": "question", "question": f"Question {prefix}?", "children": kids}
        if label:
            node["label"] = label
        return node

    assert validate_tree(build("n", 0, None)) == [f"tree: has 781 nodes, more than the {MAX_NODES} allowed"]


def test_too_long_text():
    tree = question("q1", "x" * (MAX_TEXT_LENGTH + 1), [sol("s1", "Yes"), sol("s2", "No")])
    assert validate_tree(tree) == [f"node 'q1': question text is longer than {MAX_TEXT_LENGTH} characters"]


def test_too_long_label():
    tree = question("q1", "Is it on?", [sol("s1", "y" * 201), sol("s2", "No")])
    assert validate_tree(tree) == ["node 's1': label is longer than 200 characters"]


def test_bad_type():
    tree = question("q1", "Is it on?", [{"id": "d1", "label": "Yes", "type": "decision"}, sol("s2", "No")])
    assert validate_tree(tree) == ["node 'd1': type must be one of question, action, solution (got 'decision')"]


def test_text_under_the_wrong_key_is_empty():
    # An action node carrying its text under "solution" has no action text.
    tree = question(
        "q1", "Is it on?", [{"id": "a1", "label": "Yes", "type": "action", "solution": "x"}, sol("s", "No")]
    )
    assert validate_tree(tree) == ["node 'a1': action text is empty"]


def test_script_template_id_must_be_a_string():
    action = {"id": "a1", "label": "Yes", "type": "action", "action": "Run the script.", "script_template_id": 42}
    tree = question("q1", "Is it locked?", [action, sol("s", "No")])
    assert validate_tree(tree) == ["node 'a1': script_template_id must be a string of at most 120 characters"]
    action["script_template_id"] = "0b7c2f4e-1111-4444-8888-123456789abc"
    assert validate_tree(tree) == []


@pytest.mark.parametrize("bad", [-1, 1.5, "3", True])
def test_support_counts_must_be_whole_numbers(bad):
    tree = copy.deepcopy(OUTLOOK_TREE)
    tree["support"], tree["children"][0]["support"] = 2, 0  # counts are accepted on any node
    assert validate_tree(tree) == []
    tree["children"][1]["support"] = bad
    assert validate_tree(tree) == ["node 's3': support (sessions that took this branch) must be a whole number ≥ 0"]


def test_several_errors_are_all_reported_and_ensure_valid_raises_them():
    tree = question("q1", "", [sol("s1", "Yes"), sol("s1", "yes")])
    expected = [
        "node 'q1': question text is empty",
        "node 'q1': option label 'yes' is used twice",
        "node 's1': duplicate id",
    ]
    assert validate_tree(tree) == expected
    with pytest.raises(InvalidTree) as info:
        ensure_valid(tree)
    assert info.value.errors == expected
    assert str(info.value) == "; ".join(expected)


# --- procedural flows ---------------------------------------------------------------------------------------


def test_procedural_valid():
    assert validate_tree({"steps": [{"id": "p1", "action": "Open ADUC."}, {"id": "p2", "action": "Unlock."}]}) == []


def test_procedural_empty_steps():
    assert validate_tree({"steps": []}) == ["procedure: steps must be a non-empty list"]
    assert validate_tree({"steps": "open ADUC"}) == ["procedure: steps must be a non-empty list"]


def test_procedural_step_rules():
    tree = {
        "steps": [
            {"id": "p1", "action": "Open ADUC."},
            {"id": "p1", "action": "Find the user."},
            {"action": "Unlock."},
            {"id": "p4", "action": "  "},
            "reset password",
        ]
    }
    assert validate_tree(tree) == [
        "step 'p1': duplicate id",
        "step 3: missing id",
        "step 'p4': action text is empty",
        "step 5: must be a JSON object",
    ]


def test_procedural_too_many_steps():
    tree = {"steps": [{"id": f"p{i}", "action": "Do it."} for i in range(MAX_NODES + 1)]}
    assert validate_tree(tree) == [f"procedure: has {MAX_NODES + 1} steps, more than the {MAX_NODES} allowed"]


# --- walk --------------------------------------------------------------------------------------------------


def test_walk_follows_labels_to_a_solution():
    result = walk(OUTLOOK_TREE, ["Yes", "No"])
    assert [n["id"] for n in result.path] == ["q1", "q2", "s2"]
    assert result.completed and result.reached_solution
    assert result.node["solution"] == "Enable Modern Authentication in the Microsoft 365 admin center."


def test_walk_labels_are_case_and_space_insensitive():
    result = walk(OUTLOOK_TREE, ["  yES ", "YES", "done"])
    assert [n["id"] for n in result.path] == ["q1", "q2", "a1", "s1"]
    assert result.reached_solution


def test_walk_action_passes_to_its_single_child_on_any_label():
    result = walk(OUTLOOK_TREE, ["Yes", "Yes", "It worked"])
    assert [n["id"] for n in result.path] == ["q1", "q2", "a1", "s1"]


def test_walk_divergence():
    result = walk(OUTLOOK_TREE, ["Yes", "Not sure, the admin center will not load"])
    assert not result.completed and not result.reached_solution
    assert result.diverged_at["id"] == "q2"
    assert result.unmatched_label == "Not sure, the admin center will not load"
    assert [n["id"] for n in result.path] == ["q1", "q2"]


def test_walk_stopping_midway_is_not_a_solution():
    result = walk(OUTLOOK_TREE, ["Yes"])
    assert result.completed and not result.reached_solution
    assert result.node["id"] == "q2"


def test_walk_past_a_solution_diverges():
    result = walk(OUTLOOK_TREE, ["No", "Yes"])
    assert result.diverged_at["id"] == "s3" and result.unmatched_label == "Yes"


# --- diff and add_branch -----------------------------------------------------------------------------------


def test_diff_identical_trees_is_empty():
    assert diff_trees(OUTLOOK_TREE, copy.deepcopy(OUTLOOK_TREE)) == {
        "added": [],
        "changed": [],
        "removed": [],
        "summary": [],
    }


def test_diff_added_changed_removed():
    after = copy.deepcopy(OUTLOOK_TREE)
    q2 = after["children"][0]
    # Changed: the solution text of s2.
    q2["children"][1]["solution"] = "Enable Modern Authentication with Set-OrganizationConfig."
    # Added: a question with a solution under q2 (a subtree is reported once, at its top node).
    q2["children"].append(
        question(
            "q3",
            "Is the user on a shared device?",
            [sol("s4", "Yes", "Sign out of other Office accounts."), sol("s5", "No")],
            label="Only on one PC",
        )
    )
    # Removed: s3.
    after["children"][1] = sol("s6", "No", "Not a credential prompt: check the Outlook profile.")
    assert diff_trees(OUTLOOK_TREE, after) == {
        "added": [
            {"id": "q3", "parent": "q2", "type": "question", "label": "Only on one PC"},
            {"id": "s4", "parent": "q3", "type": "solution", "label": "Yes"},
            {"id": "s5", "parent": "q3", "type": "solution", "label": "No"},
            {"id": "s6", "parent": "q1", "type": "solution", "label": "No"},
        ],
        "changed": [{"id": "s2", "parent": "q2", "fields": ["solution"]}],
        "removed": [{"id": "s3", "parent": "q1", "type": "solution", "label": "No"}],
        "summary": [
            "Changed solution of 'Enable Modern Authentication with Set-OrganizationConfig.'",
            "Added branch 'Only on one PC' under 'Is Modern Authentication enabled for the tenant?'",
            "Added branch 'No' under 'Does Outlook prompt for credentials repeatedly?'",
            "Removed branch 'No' under 'Does Outlook prompt for credentials repeatedly?'",
        ],
    }


def test_diff_moved_node_is_a_parent_change():
    after = copy.deepcopy(OUTLOOK_TREE)
    s2 = after["children"][0]["children"].pop(1)
    after["children"][0]["children"].append(sol("s7", "No", "Turn on Modern Authentication."))
    after["children"][1] = {**s2, "label": "No"}
    result = diff_trees(OUTLOOK_TREE, after)
    assert {"id": "s2", "parent": "q1", "fields": ["parent"]} in result["changed"]
    assert result["removed"] == [{"id": "s3", "parent": "q1", "type": "solution", "label": "No"}]


def test_add_branch_returns_a_new_valid_tree_and_leaves_the_input_alone():
    before = copy.deepcopy(OUTLOOK_TREE)
    branch = sol("s8", "Only in OWA", "Clear the browser cache and sign in again.")
    after = add_branch(OUTLOOK_TREE, "q2", branch)
    assert before == OUTLOOK_TREE
    assert validate_tree(after) == []
    assert walk(after, ["Yes", "only in owa"]).node["id"] == "s8"
    assert diff_trees(OUTLOOK_TREE, after)["summary"] == [
        "Added branch 'Only in OWA' under 'Is Modern Authentication enabled for the tenant?'"
    ]
    # The branch is copied: changing it later does not change the tree.
    branch["solution"] = "changed"
    assert walk(after, ["Yes", "Only in OWA"]).node["solution"] == "Clear the browser cache and sign in again."


def test_add_branch_to_unknown_node():
    with pytest.raises(InvalidTree) as info:
        add_branch(OUTLOOK_TREE, "nope", sol("s9", "x"))
    assert info.value.errors == ["node 'nope': not found in the tree"]


def test_add_branch_can_break_a_rule_that_the_validator_then_reports():
    tree = question("q1", "Which error?", [sol(f"s{i}", f"E{i}") for i in range(5)])
    after = add_branch(tree, "q1", sol("s6", "E6"))
    assert validate_tree(after) == ["node 'q1': a question needs 2–5 options, it has 6"]


# --- graph -------------------------------------------------------------------------------------------------


def test_graph_of_a_tree_has_every_node_at_its_depth_and_labelled_edges():
    nodes, edges = to_graph(OUTLOOK_TREE, short=20)
    assert [(n.id, n.kind, n.depth) for n in nodes] == [
        ("q1", "question", 0),
        ("q2", "question", 1),
        ("a1", "action", 2),
        ("s1", "solution", 3),
        ("s2", "solution", 2),
        ("s3", "solution", 1),
    ]
    assert nodes[0].title == "Does Outlook prompt…" and len(nodes[0].title) == 20
    assert nodes[0].full_text == "Does Outlook prompt for credentials repeatedly?"
    assert edges == [
        GraphEdge("q1", "q2", "Yes"),
        GraphEdge("q2", "a1", "Yes"),
        GraphEdge("a1", "s1", "Done"),
        GraphEdge("q2", "s2", "No"),
        GraphEdge("q1", "s3", "No"),
    ]


def test_graph_shows_support_counts_on_the_edges_of_counted_branches():
    tree = copy.deepcopy(OUTLOOK_TREE)
    tree["support"] = 4
    tree["children"][0]["support"] = 3
    tree["children"][0]["children"][0]["support"] = 1
    nodes, edges = to_graph(tree)
    assert [(n.id, n.support) for n in nodes] == [
        ("q1", 4),
        ("q2", 3),
        ("a1", 1),
        ("s1", None),
        ("s2", None),
        ("s3", None),
    ]
    assert [e.label for e in edges] == ["Yes ×3", "Yes ×1", "Done", "No", "No"]


def test_graph_of_a_procedure_is_a_chain_of_actions():
    procedure = {
        "steps": [{"id": "p1", "action": "Open  ADUC\n and find the user."}, {"id": "p2", "action": "Unlock."}]
    }
    nodes, edges = to_graph(procedure, short=12)
    assert [(n.id, n.kind, n.title, n.depth) for n in nodes] == [
        ("p1", "action", "Open ADUC a…", 0),
        ("p2", "action", "Unlock.", 1),
    ]
    assert edges == [GraphEdge("p1", "p2", "next")]


def test_unknown_node_keys_are_refused_and_named():
    stray = dict(sol("s", "No"), notes="n" * 5000, rationale="why", **{f"k{n}": 1 for n in range(5)})
    tree = question("q1", "Is it locked?", [sol("a", "Yes"), stray])
    assert validate_tree(tree) == [
        "node 's': unknown key 'k0', 'k1', 'k2', 'k3', 'k4' … (a node holds only action, children, id, label, "
        "label_wordings, question, script_template_id, solution, support, type, wordings)"
    ]
    one = question("q1", "Is it locked?", [sol("a", "Yes"), dict(sol("s", "No"), notes="n" * 5000)])
    assert validate_tree(one) == [
        "node 's': unknown key 'notes' (a node holds only action, children, id, label, label_wordings, question, "
        "script_template_id, solution, support, type, wordings)"
    ]


def test_question_tree_is_one_question_with_a_solution_per_option():
    tree = question_tree("Is the printer on?", {"Yes": "Clear the queue.", "No": "Switch it on."})
    assert (tree["id"], tree["type"], tree["question"]) == ("q1", "question", "Is the printer on?")
    assert [(c["id"], c["label"], c["type"], c["solution"]) for c in tree["children"]] == [
        ("s1", "Yes", "solution", "Clear the queue."),
        ("s2", "No", "solution", "Switch it on."),
    ]
    assert validate_tree(tree) == []
    assert validate_tree(question_tree("Is it on?", {"Yes": "Done."})) == [
        "node 'q1': a question needs 2–5 options, it has 1"
    ]
