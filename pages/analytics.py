"""Analytics page (being built): says what it will be."""

import streamlit as st

st.title("Analytics")
st.info(
    "MTTR, resolution rate, domains, confidence tiers, knowledge coverage and PSA metrics. This page is being built."
)
