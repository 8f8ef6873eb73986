import streamlit as st

st.title("Backward")
st.info("This page is being built.")
