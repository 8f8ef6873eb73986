import streamlit as st

st.title("Stability")
st.info("This page is being built.")
