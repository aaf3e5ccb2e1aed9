"""Knowledge Gaps page (being built): says what it will be."""

import streamlit as st

st.title("Knowledge Gaps")
st.info(
    "The full knowledge-gap report: weak options, high escalation, uncharted territory and repeated patterns. This page is being built."
)
