"""Reports page (being built): says what it will be."""

import streamlit as st

st.title("Reports")
st.info(
    "SQL-backed reports that analysts read, change and add, plus read-only ad-hoc queries. This page is being built."
)
