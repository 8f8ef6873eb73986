"""Streamlit-free builders: data in, figures, LaTeX, labels, code and bytes out.

Nothing here imports Streamlit, so every builder is tested as a plain function.
"""
