"""Review Queue page (being built): says what it will be."""

import streamlit as st

st.title("Review Queue")
st.info(
    "Team leads review the Knowledge Flywheel's flow proposals here: approve, edit & publish, dismiss or reject. This page is being built."
)
