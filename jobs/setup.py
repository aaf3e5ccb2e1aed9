"""First-start set-up: migrate the schema and, when the database is empty, create the demo workspace."""

from __future__ import annotations

import logging

from core.config import get_settings
from core.db import is_empty, make_engine, upgrade

log = logging.getLogger("flowpilot.setup")


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    settings = get_settings()
    engine = make_engine(settings.database_url)
    upgrade(engine)
    if is_empty(engine):
        from jobs.demo import build_demo

        log.info("empty database: creating the demo workspace")
        build_demo(engine, seed=settings.demo_seed)
    else:
        log.info("database ready")


if __name__ == "__main__":
    main()
