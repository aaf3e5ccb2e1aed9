"""Injection corpus: hostile values in every parameter of every built-in template, checked with tree-sitter.

The check does not trust the engine: an independent PowerShell parser reads each rendered script, the command
structure must equal the one rendered from harmless values, and the substituted value must be one literal node
whose content (decoded by PowerShell's verbatim-string rule) is exactly the accepted value.
"""

from __future__ import annotations

from typing import Any

import pytest
import tree_sitter_powershell
from tree_sitter import Language, Node, Parser

from core.scripts.library import TEMPLATES
from core.scripts.templates import InvalidParameters, check_template, render
from core.scripts.values import PARAM_TYPES
from tests.powershell_corpus import HOSTILE_VALUES

PARSER = Parser(Language(tree_sitter_powershell.language()))
HARMLESS = {
    "string": "Hello team",
    "bool": True,
    "sam_account_name": "jsmith",
    "upn": "jane.doe@contoso.com",
    "email": "helpdesk@contoso.com",
    "hostname": "PC-0042",
    "ou_path": "OU=Staff,DC=contoso,DC=local",
    "group_name": "Finance-Share-RW",
    "unc_path": "\\\\fs01\\finance",
    "secure_string": None,
}
LITERAL_TYPES = {"string_literal", "integer_literal", "real_literal"}
TYPED_VARIABLES = {"$true", "$false", "$null"}
SINGLE_QUOTES = "'\u2018\u2019\u201a\u201b"


def harmless(param: dict[str, Any]) -> Any:
    if param["type"] == "choice":
        return param["choices"][0]
    if param["type"] == "int":
        return param.get("default", param.get("min", 1))
    return HARMLESS[param["type"]]


def shape(source: str) -> tuple[list[str], list[Node], list[str]]:
    """(structure tokens, literal nodes in order, comment texts) of a parsed script."""
    tree = PARSER.parse(source.encode("utf-8"))
    assert not tree.root_node.has_error, f"script does not parse:\n{source}"
    tokens: list[str] = []
    literals: list[Node] = []
    comments: list[str] = []

    def walk(node: Node) -> None:
        text = node.text.decode("utf-8")
        if node.type in LITERAL_TYPES or (node.type == "variable" and text.lower() in TYPED_VARIABLES):
            tokens.append("LITERAL")
            literals.append(node)
            return
        if node.type == "comment":
            tokens.append("comment")
            comments.append(text)
            return
        tokens.append(node.type if node.child_count else f"{node.type}:{text}")
        for child in node.children:
            walk(child)

    walk(tree.root_node)
    return tokens, literals, comments


def decode_verbatim(text: str) -> str:
    """PowerShell's rule for '...': outer quotes dropped, each doubled single-quote character stands for one."""
    assert text[0] in SINGLE_QUOTES and text[-1] in SINGLE_QUOTES, text
    inner, out, i = text[1:-1], [], 0
    while i < len(inner):
        ch = inner[i]
        if ch in SINGLE_QUOTES:
            assert i + 1 < len(inner) and inner[i + 1] in SINGLE_QUOTES, f"lone quote inside {text!r}"
            i += 1
        out.append(ch)
        i += 1
    return "".join(out)


CASES = [(t, p) for t in TEMPLATES for p in t["parameters_schema"]]


@pytest.mark.parametrize(("template", "param"), CASES, ids=[f"{t['name']}/{p['key']}" for t, p in CASES])
def test_hostile_values_are_rejected_or_inert(template: dict[str, Any], param: dict[str, Any]) -> None:
    schema = template["parameters_schema"]
    base_values = {p["key"]: harmless(p) for p in schema}
    base = render(template["body"], schema, base_values, template_name=template["name"], user_name="Jane Admin")
    base_tokens, base_literals, base_comments = shape(base.script)
    accepted = rejected = 0
    for name, hostile in HOSTILE_VALUES:
        values = {**base_values, param["key"]: hostile}
        try:
            rendered = render(template["body"], schema, values, template_name=template["name"], user_name="Jane Admin")
        except InvalidParameters as exc:
            rejected += 1
            assert list(exc.errors) == [param["key"]], name
            assert exc.errors[param["key"]].startswith(param["label"] + " "), exc.errors
            continue
        accepted += 1
        tokens, literals, comments = shape(rendered.script)
        assert tokens == base_tokens, f"{name}: command structure changed\n{rendered.script}"
        assert len(comments) == len(base_comments), name
        if param["type"] == "secure_string":
            assert literals == [] or [n.text for n in literals] == [n.text for n in base_literals], name
            if len(hostile.strip()) >= 6:
                assert hostile.strip() not in rendered.script, f"{name}: a secret reached the script"
            continue
        changed = [i for i, (a, b) in enumerate(zip(base_literals, literals, strict=True)) if a.text != b.text]
        assert len(changed) <= 1, f"{name}: more than one literal changed"
        typed = rendered.values[param["key"]]
        if changed:
            node = literals[changed[0]]
            if param["type"] in ("int", "bool"):
                assert node.type in ("integer_literal", "variable"), name
            else:
                assert node.type == "string_literal" and node.named_child_count == 1, name
                assert node.named_children[0].type == "verbatim_string_characters", name
                assert decode_verbatim(node.text.decode("utf-8")) == typed, name
        else:
            assert typed == base.values[param["key"]], f"{name}: value changed but no literal did"
    assert accepted + rejected == len(HOSTILE_VALUES)
    if param["type"] == "string" and "pattern" not in param:
        # Free text must be quoted, not refused wholesale: most of the corpus goes through as inert literals.
        assert accepted >= 40, accepted
    if param["type"] == "group_name":
        assert accepted >= 20, accepted


def test_corpus_is_large_and_distinct() -> None:
    assert len(HOSTILE_VALUES) >= 50
    assert len({v for _, v in HOSTILE_VALUES}) == len(HOSTILE_VALUES)
    # Every parameter type has a library template, so the hostile corpus reaches each type's quoting.
    assert {p["type"] for t in TEMPLATES for p in t["parameters_schema"]} == set(PARAM_TYPES)


# Template bodies where PowerShell reads a later placeholder as part of a string, although a scanner that does not
# follow the construct would see code there. Each must be refused when saved.
MISREAD_BODIES = [
    ("subexpression in expandable string", "Write-Host \"A $( '\"' # '\n) {{ x }} C\"\n", "$( ) subexpression"),
    ("hash inside a word", "Write-Host a#b '\n{{ x }}\n'\n", "# inside a word"),
    ("stop-parsing token", 'cmd.exe /c echo --% "\n" {{ x }} "\n', "stop-parsing token --%"),
    ("quote in braced variable name", '${a"} = 1\nWrite-Host " {{ x }} "\n', "variable name ${...}"),
    ("comment ended by a lone carriage return", "Write-Host 1 # note\r'\n{{ x }}\n'\n", "carriage return"),
    ("backtick before the placeholder", "Write-Host `{{ x }}\n", "escaped by the character before it"),
]


@pytest.mark.parametrize(("body", "construct"), [c[1:] for c in MISREAD_BODIES], ids=[c[0] for c in MISREAD_BODIES])
def test_placeholder_after_a_construct_the_check_cannot_follow_is_refused(body: str, construct: str) -> None:
    schema = [{"key": "x", "label": "X", "type": "string"}]
    # Substituted without the check, a hostile value lands in an expandable string or ends a verbatim one: the
    # independent parser finds the command it carries.
    unchecked = body.replace("{{ x }}", "'$(Start-Process calc)'")
    commands = [n.text for n in _nodes(PARSER.parse(unchecked.encode("utf-8")).root_node) if n.type == "command_name"]
    assert b"Start-Process" in commands
    errors = check_template(body, schema)
    assert len(errors) == 1 and "The placeholder {{ x }} " in errors[0] and construct in errors[0], errors


def _nodes(node: Node) -> list[Node]:
    return [node, *(n for child in node.children for n in _nodes(child))]
