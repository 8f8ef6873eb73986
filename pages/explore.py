import streamlit as st

from softmax_app import compute, figures, views
from softmax_app.panel import current_inputs
from softmax_core.functions import _softmax

st.title("Explore: the forward pass")
st.markdown(
    "Softmax exponentiates each entry and divides by the sum over its slice, so every "
    "slice along the chosen axis becomes a probability distribution. The temperature "
    "divides the logits first: below 1 it sharpens towards the largest entry, above 1 "
    "it flattens towards uniform."
)

inputs = current_inputs()
x, axes, t = inputs.x, inputs.axes, inputs.temperature
y = compute.forward(x, axes, t)

st.write(
    f"x has shape `{x.shape}`; softmax along axis `{inputs.axis_text}` "
    f"(axes {axes}), T = {t:g}."
)
left, right = st.columns(2)
with left:
    views.array_table(x, caption="x (logits)")
    st.plotly_chart(figures.heatmap(x, title="x"), use_container_width=True)
with right:
    views.array_table(y, caption="softmax(x)")
    st.plotly_chart(figures.heatmap(y, title="softmax(x)"), use_container_width=True)

views.reproduce_in_code(inputs, {"y": y})
views.how_it_works(_softmax)
