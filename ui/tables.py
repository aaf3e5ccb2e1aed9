"""A table a person can take away: the dataframe and its CSV download, one call."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st


def table_with_csv(frame: pd.DataFrame, *, key: str, file_name: str, label: str = "Download CSV", **shown: Any) -> None:
    """Show ``frame`` (``shown``: more ``st.dataframe`` arguments) with a button that downloads it as ``file_name``;
    the widgets' keys are ``{key}_table`` and ``{key}_csv``."""
    st.dataframe(frame, hide_index=True, key=f"{key}_table", **shown)
    st.download_button(
        label, frame.to_csv(index=False).encode("utf-8"), file_name=file_name, mime="text/csv", key=f"{key}_csv"
    )
