"""Softmax Lab: the table of contents.

Run with ``make run`` (or ``streamlit run app.py``). The input panel is built
here, before the page, so its values survive page switches; each page lives in
``app_pages/`` and reads the panel with ``softmax_app.panel.current_inputs()``,
which stops the page, saying why, when an input cannot be used.
"""

import streamlit as st

from softmax_app import classroom, links, urlstate
from softmax_app.panel import input_panel

st.set_page_config(page_title="Softmax Lab", page_icon="🧮", layout="wide")

PAGES = [
    st.Page("app_pages/home.py", title="Home", icon="🏠", default=True),
    st.Page("app_pages/explore.py", title="Explore", icon="🔍", url_path="explore"),
    st.Page("app_pages/backward.py", title="Backward", icon="↩️", url_path="backward"),
    st.Page(
        "app_pages/gradcheck.py", title="Gradcheck", icon="✅", url_path="gradcheck"
    ),
    st.Page(
        "app_pages/stability.py", title="Stability", icon="🧯", url_path="stability"
    ),
    st.Page("app_pages/lesson.py", title="Lesson", icon="🎓", url_path="lesson"),
]

page = st.navigation(PAGES)
st.session_state[links.PAGE_PATH] = page.url_path
input_panel()
classroom.apply_presenter()
links.reserve_box()
urlstate.finish_run()
page.run()
links.finish_box()
