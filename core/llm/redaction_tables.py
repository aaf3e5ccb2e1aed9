"""Personal values in pasted exports: a column or a key says what each value is.

Engineers paste what their tools print: a CSV export (``Device name,Primary user UPN,Serial number``), a PowerShell
table (``Name  SamAccountName`` over a line of dashes), ``quser`` output (``USERNAME  SESSIONNAME``), an event's XML
(``<Data Name="TargetUserName">``) or a log's JSON (``"userDisplayName": "…"``). No shape gives "Aino Virtanen" or
"PF3ABC12" away there; the column or key names its kind. :func:`table_values` reads those values, which are then
hidden wherever they occur, like an intake field's.
"""

from __future__ import annotations

import csv
import re

from core.llm import redaction_words as words

# A column or key, lower case with everything but letters removed, by the kind of value it holds.
_KINDS = {
    "PERSON": (
        "fullname displayname userdisplayname assignedto primaryuser primaryusername owner ownername requester "
        "requestedby contact contactname employee employeename manager organizer organiser"
    ),
    "USER": (
        "samaccountname username user userid login loginname logonname accountname targetusername subjectusername "
        "primaryuserid"
    ),
    "HOST": (
        "hostname host devicename device computername computer machinename machine workstationname workstation "
        "callercomputername clientcomputername netbiosname"
    ),
    "SERIAL": "serial serialnumber servicetag assettag asset assetnumber imei",
}
_KIND_OF = {key: kind for kind, keys in _KINDS.items() for key in keys.split()}
# Columns that say a table lists people, so that its plain "Name" column is a person's (Get-ADUser), not a process's
# or a computer's (Get-Process, Get-ADComputer).
_PEOPLE_COLUMNS = frozenset(
    ["samaccountname", "userprincipalname", "upn", "emailaddress", "mail", "givenname", "surname"]
)


def _kinds(headers: list[str]) -> list[str | None]:
    keys = [_key(h) for h in headers]
    people = bool(_PEOPLE_COLUMNS & set(keys))
    return [_KIND_OF.get(k) or ("PERSON" if k == "name" and people else None) for k in keys]


_DASHES = re.compile(r"^[ \t]*-{2,}(?:[ \t]+-{2,})+[ \t]*$")
_UPPER_HEADER = re.compile(r"^[ \t>]*[A-Z][A-Z ]+[A-Z][ \t]*$")
_XML_DATA = re.compile(r"<Data Name=\"(?P<key>\w+)\">(?P<value>[^<]{1,80})</Data>")
_JSON_PAIR = re.compile(r"\"(?P<key>\w{2,40})\"[ \t]*:[ \t]*\"(?P<value>[^\"\n]{1,80})\"")


def _key(name: str) -> str:
    return re.sub(r"[^a-z]", "", name.lower())


def _worth(kind: str, value: str) -> bool:
    """Whether a cell is a value to hide: not empty, not a placeholder, not a word every export holds ("Intune",
    "N/A", "SYSTEM"), and a person's name holds a letter."""
    value = value.strip().strip('"')
    if len(value) < 2 or words.PLACEHOLDER_RE.search(value) or value.lower() in words.NOT_NAMES:
        return False
    if "@" in value:
        return False  # an address: the e-mail and UPN patterns have it
    if kind == "PERSON" and not re.search(r"[^\W\d_]", value):
        return False
    return not (kind in ("USER", "HOST") and value.upper() in {"SYSTEM", "LOCAL SERVICE", "NETWORK SERVICE", "-"})


def _as_written(kind: str, value: str) -> list[tuple[str, str]]:
    """A cell as the text writes it: a quoted CSV cell's doubled quotes are single in the value but not in the text,
    so a person's name is also hidden word by word ("Bartholomew ""Bart"" Kinsella")."""
    value = value.strip()
    if kind == "PERSON" and '"' in value:
        return [(kind, part.strip('"')) for part in value.split() if len(part.strip('"')) >= 2]
    return [(kind, value)]


def _csv_values(lines: list[str]) -> list[tuple[str, str]]:
    found = []
    for start, line in enumerate(lines):
        if line.count(",") < 2:
            continue
        header = next(csv.reader([line]))
        kinds = _kinds(header)
        if not any(kinds) or sum(bool(_key(cell)) for cell in header) < 3:
            continue
        for row_line in lines[start + 1 :]:
            if row_line.count(",") < 2:
                break
            row = next(csv.reader([row_line]))
            for kind, cell in zip(kinds, row, strict=False):
                if kind and _worth(kind, cell):
                    found.extend(_as_written(kind, cell))
        break
    return found


def _column_spans(header: str, under: str | None) -> list[tuple[int, int]]:
    """Where each column of a fixed-width table is: from the dashes under the header, else from the header's words
    (two spaces or more between columns)."""
    if under is not None:
        return [(m.start(), m.end()) for m in re.finditer(r"-+", under)]
    starts = [m.start() for m in re.finditer(r"\S+(?: \S+)*", header)]
    return [(s, e) for s, e in zip(starts, [*starts[1:], 10_000], strict=False)]


def _fixed_width_values(lines: list[str]) -> list[tuple[str, str]]:
    found = []
    for index, line in enumerate(lines[:-1]):
        dashed = _DASHES.match(lines[index + 1])
        if not dashed and not _UPPER_HEADER.match(line):
            continue
        spans = _column_spans(line, lines[index + 1] if dashed else None)
        if dashed:
            # Each column runs from its dashes to the next column's start (names are wider than their dashes).
            spans = [(s, e2) for (s, _e), (e2, _x) in zip(spans, [*spans[1:], (10_000, 0)], strict=False)]
        headers = [line[s:e].strip() for s, e in spans]
        kinds = _kinds(headers)
        if not any(kinds) or len(headers) < 2:
            continue
        for row in lines[index + (2 if dashed else 1) :]:
            if not row.strip():
                break
            for kind, (start, end) in zip(kinds, spans, strict=False):
                cell = row[start:end].strip().lstrip(">").strip()
                if kind and cell and _worth(kind, cell):
                    found.append((kind, cell))
    return found


def table_values(text: str) -> list[tuple[str, str]]:
    """(kind, value) of the people, accounts, hosts and serials that the columns and keys of pasted exports name
    (see the module doc)."""
    found: list[tuple[str, str]] = []
    for match in _XML_DATA.finditer(text):
        kind = _KIND_OF.get(_key(match.group("key")))
        if kind and _worth(kind, match.group("value")):
            found.append((kind, match.group("value").strip()))
    for match in _JSON_PAIR.finditer(text):
        kind = _KIND_OF.get(_key(match.group("key")))
        if kind and _worth(kind, match.group("value")):
            found.append((kind, match.group("value").strip()))
    if "\n" in text:
        lines = text.split("\n")
        if "," in text:
            found += _csv_values(lines)
        found += _fixed_width_values(lines)
    return list(dict.fromkeys(found))
