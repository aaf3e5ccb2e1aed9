"""Script Assist page (being built): says what it will be."""

import streamlit as st

st.title("Script Assist")
st.info(
    "PowerShell scripts generated from templates with parameters pre-filled from a session. This page is being built."
)
