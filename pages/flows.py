"""Flows page (being built): says what it will be."""

import streamlit as st

st.title("Flows")
st.info("The library of published flows with their version history, and the flow editor. This page is being built.")
