import streamlit as st

st.title("Gradcheck")
st.info("This page is being built.")
