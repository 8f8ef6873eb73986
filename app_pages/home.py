import streamlit as st

st.title("Softmax Lab")
st.markdown(
    r"""
Softmax turns a vector of scores into probabilities:
$y_i = e^{x_i/T} / \sum_j e^{x_j/T}$. On an N-D array it runs independently on
every **slice** along the axis (or axes) you pick, and its derivative is a small
$n \times n$ Jacobian per slice, $J = (\operatorname{diag}(y) - y y^\top)/T$.
This lab shows every number: type an array in the panel on the left, pick an
axis, a temperature and an upstream gradient, and every page follows.
"""
)

st.subheader("The story this lab grew from")
st.markdown(
    """
Someone wrote softmax's backward pass as a loop over 1-D slices with
`np.apply_along_axis`. Each slice's Jacobian was multiplied by "the matching slice of
the upstream gradient", found through a counter incremented *inside* the callback.
The increment was lost, so every slice used the first slice's upstream gradient, and
the gradient check reported a relative error of about **0.9**. (The exact figure
depends on the data: on `x = [[1, 2], [3, 4]]` with upstream `[[1, 0], [0, 1]]` this
lab's check measures a norm relative error of 0.71. Anything above about 1e-2 means
the backward pass is wrong.)

Their first test had confused them too: for `x = [[1, 2], [3, 4]]`, `axis = 1` and an
upstream gradient of all ones, the gradient came out as exactly **zero**, and that is
*correct*: every row of a softmax Jacobian sums to 0, because the outputs always sum
to 1. (The buggy loop also gives zero there, which is why the bug hid.)
"""
)

st.subheader("Pages")
st.page_link("app_pages/explore.py", label="Explore: the forward pass", icon="🔍")
st.caption("Input and output side by side, heatmaps, one slice's probabilities.")
st.page_link(
    "app_pages/backward.py", label="Backward: Jacobians and the VJP", icon="↩️"
)
st.caption("Each slice's Jacobian as a heatmap, and the gradient step by step.")
st.page_link(
    "app_pages/gradcheck.py", label="Gradcheck: numeric vs analytic", icon="✅"
)
st.caption("Finite differences against the backward pass, and a gallery of bugs.")
st.page_link(
    "app_pages/stability.py", label="Stability: overflow and log-softmax", icon="🧯"
)
st.caption("Why the max shift and log-softmax matter, and what float16 does.")

st.info(
    "Try the classic case directly: "
    "[/backward?x=[[1,2],[3,4]]&axis=1&g=[[1,0],[0,1]]]"
    "(./backward?x=[[1,2],[3,4]]&axis=1&g=[[1,0],[0,1]]) "
    "and [/gradcheck?x=[[1,2],[3,4]]&axis=1&g=[[1,0],[0,1]]&impl=stale_counter]"
    "(./gradcheck?x=[[1,2],[3,4]]&axis=1&g=[[1,0],[0,1]]&impl=stale_counter)."
)
