"""Cached calls into softmax_core, so a rerun with the same inputs is instant.

Nothing here computes anything new: each function is one core call wrapped in
``st.cache_data`` (keyed on the arrays' bytes and the other arguments).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import streamlit as st

import softmax_core as sc

__all__ = [
    "backward",
    "dtype_comparison",
    "forward",
    "gradcheck",
    "jacobians",
    "log_forward",
    "naive_forward",
    "naive_log_forward",
    "naive_sweep",
]


@st.cache_data(max_entries=64, show_spinner=False)
def forward(x: np.ndarray, axes: tuple[int, ...], temperature: float) -> np.ndarray:
    """softmax(x) along `axes`."""
    return sc.softmax(x, axes, temperature=temperature)


@st.cache_data(max_entries=64, show_spinner=False)
def log_forward(x: np.ndarray, axes: tuple[int, ...], temperature: float) -> np.ndarray:
    """log_softmax(x) along `axes`."""
    return sc.log_softmax(x, axes, temperature=temperature)


@st.cache_data(max_entries=64, show_spinner=False)
def backward(
    x: np.ndarray, upstream: np.ndarray, axes: tuple[int, ...], temperature: float
) -> np.ndarray:
    """dL/dx for L = sum(upstream * softmax(x))."""
    y = sc.softmax(x, axes, temperature=temperature)
    return sc.softmax_vjp(y, upstream, axes, temperature=temperature)


@st.cache_data(max_entries=16, show_spinner=False)
def jacobians(
    x: np.ndarray, axes: tuple[int, ...], temperature: float, max_bytes: int
) -> np.ndarray:
    """Compute the per-slice Jacobian stack of softmax at x."""
    y = sc.softmax(x, axes, temperature=temperature)
    return sc.slice_jacobians(y, axes, temperature=temperature, max_bytes=max_bytes)


@st.cache_data(max_entries=32, show_spinner=False)
def gradcheck(
    x: np.ndarray, upstream: np.ndarray, axes: tuple[int, ...], **options: Any
) -> Any:
    """sc.gradcheck with the given options (implementation, mode, tolerances...)."""
    return sc.gradcheck(x, upstream, axes, **options)


# --- Stability page -----------------------------------------------------------


@st.cache_data(max_entries=32, show_spinner=False)
def naive_forward(
    x: np.ndarray, axes: tuple[int, ...], temperature: float
) -> np.ndarray:
    """naive_softmax(x): exp(x/T) / sum(exp(x/T)), no max shift."""
    return sc.naive_softmax(x, axes, temperature=temperature)


@st.cache_data(max_entries=32, show_spinner=False)
def naive_log_forward(
    x: np.ndarray, axes: tuple[int, ...], temperature: float
) -> np.ndarray:
    """log(softmax(x)), which turns underflowed probabilities into -inf."""
    return sc.naive_log_softmax(x, axes, temperature=temperature)


@st.cache_data(max_entries=32, show_spinner=False)
def dtype_comparison(
    x: np.ndarray, axes: tuple[int, ...], temperature: float
) -> tuple[sc.DtypeResult, ...]:
    """Softmax in float16, float32 and float64, stable and naive."""
    return sc.dtype_comparison(x, axes, temperature=temperature)


@st.cache_data(max_entries=16, show_spinner=False)
def naive_sweep(
    x: np.ndarray, axes: tuple[int, ...], temperature: float, scales: tuple[float, ...]
) -> sc.NaiveSweep:
    """Share of naive-softmax slices broken at each logit scale."""
    return sc.naive_sweep(x, axes, temperature=temperature, scales=scales)
