"""FlowPilot Knowledge Studio: the entry point routes between pages; pages render."""

import streamlit as st

st.set_page_config(page_title="FlowPilot Knowledge Studio", page_icon="🧭", layout="wide")

PAGES = {
    "Knowledge": [
        st.Page("pages/review_queue.py", title="Review Queue", icon="📥", url_path="review", default=True),
        st.Page("pages/flows.py", title="Flows", icon="🌳", url_path="flows"),
        st.Page("pages/knowledge_gaps.py", title="Knowledge Gaps", icon="🕳️", url_path="gaps"),
    ],
    "Analytics": [
        st.Page("pages/analytics.py", title="Analytics", icon="📈", url_path="analytics"),
        st.Page("pages/reports.py", title="Reports", icon="🧾", url_path="reports"),
    ],
    "Sessions": [
        st.Page("pages/sessions.py", title="Sessions", icon="💬", url_path="sessions"),
        st.Page("pages/script_assist.py", title="Script Assist", icon="⌨️", url_path="scripts"),
    ],
}

st.navigation(PAGES).run()
