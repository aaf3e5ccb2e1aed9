"""Sessions page (being built): says what it will be."""

import streamlit as st

st.title("Sessions")
st.info(
    "Every AI troubleshooting session, with filters; open one to read its conversation and steps. This page is being built."
)
