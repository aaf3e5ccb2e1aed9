"""Steps that more than one revision takes.

A revision that has run on a database must do the same thing wherever it runs later, so these functions are never
changed in behaviour: a step that needs to work differently is a new function.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


def refuse_while_rows(count_sql: str, error: type[RuntimeError], rest_of_message: str) -> None:
    """Stop the revision with ``error("<count> " + rest_of_message)`` when ``count_sql`` counts any row.

    A revision whose new rule the stored rows break refuses, rather than rewriting or deleting someone's rows
    behind their back; the message says how many rows and how to resolve them.
    """
    remaining = op.get_bind().scalar(sa.text(count_sql))
    if remaining:
        raise error(f"{remaining} {rest_of_message}")


def replace_check_constraint(table: str, constraint: str, rule: str) -> None:
    """Drop CHECK ``constraint`` of ``table`` and create it again as ``rule``.

    SQLite cannot alter a CHECK constraint in place, so ``batch_alter_table`` rebuilds the table there; PostgreSQL
    alters it directly.
    """
    with op.batch_alter_table(table) as batch:
        batch.drop_constraint(op.f(constraint), type_="check")
        batch.create_check_constraint(op.f(constraint), rule)
