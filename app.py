"""FlowPilot Knowledge Studio: the entry point routes between pages; pages render."""

import logging

import streamlit as st
from sqlalchemy.engine import make_url

from core.db import is_empty
from ui import context, sidebar

log = logging.getLogger("flowpilot.app")

st.set_page_config(page_title="FlowPilot Knowledge Studio", page_icon=":material/explore:", layout="wide")

PAGES = {
    "Knowledge": [
        st.Page(
            "views/review_queue.py", title="Review Queue", icon=":material/inbox:", url_path="review", default=True
        ),
        st.Page("views/flows.py", title="Flows", icon=":material/account_tree:", url_path="flows"),
        st.Page("views/knowledge_gaps.py", title="Knowledge Gaps", icon=":material/travel_explore:", url_path="gaps"),
        st.Page(
            "views/knowledge_health.py", title="Knowledge Health", icon=":material/health_metrics:", url_path="health"
        ),
    ],
    "Analytics": [
        st.Page("views/analytics.py", title="Analytics", icon=":material/monitoring:", url_path="analytics"),
        st.Page("views/reports.py", title="Reports", icon=":material/table_chart:", url_path="reports"),
    ],
    "Sessions": [
        st.Page("views/sessions.py", title="Sessions", icon=":material/forum:", url_path="sessions"),
        st.Page("views/script_assist.py", title="Script Assist", icon=":material/terminal:", url_path="scripts"),
    ],
}

EMPTY_WORKSPACE = """
The database is ready but holds no workspace yet.

**Demo workspace:** run `python -m jobs.setup` (or `./run.sh start`, which does it on first start), then reload.

**Your own data:** create your account, add yourself as its team admin (or import everyone from a CSV with
`python -m jobs.accounts import-users --account northwind users.csv`, columns `email,name,role,team`), import your
sessions (README, "Ingest format"), then reload:

```bash
python -m jobs.accounts create --name "Northwind MSP" --slug northwind
python -m jobs.accounts add-user --account northwind --email you@northwind.example --name "Your Name" --role team_admin
python -m jobs.ingest sessions.jsonl --account northwind --create-users
```
"""

page = st.navigation(PAGES)
cfg = context.settings()
try:
    engine = context.engine()
    empty = is_empty(engine)
except Exception as exc:  # noqa: BLE001 - any failure to open or migrate the database ends here, as a message
    log.exception("cannot open the database")
    where = make_url(cfg.database_url).render_as_string(hide_password=True)
    first_line = (str(exc).splitlines() or [""])[0]
    st.error(f"Cannot open the database at {where}: {exc.__class__.__name__}: {first_line}")
    st.stop()

if empty:
    st.title("Welcome to FlowPilot Knowledge Studio")
    st.info(EMPTY_WORKSPACE)
    st.stop()

user = context.current_user()
sidebar.render(user, cfg)
page.run()
