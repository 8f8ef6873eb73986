"""Cached calls into softmax_core, so a rerun with the same inputs is instant.

Nothing here computes anything new: each function is one core call wrapped in
``st.cache_data`` (keyed on the arrays' bytes and the other arguments).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import streamlit as st

import softmax_core as sc

__all__ = ["backward", "forward", "gradcheck", "jacobians", "log_forward"]


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
    """The per-slice Jacobian stack of softmax at x."""
    y = sc.softmax(x, axes, temperature=temperature)
    return sc.slice_jacobians(y, axes, temperature=temperature, max_bytes=max_bytes)


@st.cache_data(max_entries=32, show_spinner=False)
def gradcheck(
    x: np.ndarray, upstream: np.ndarray, axes: tuple[int, ...], **options: Any
) -> Any:
    """sc.gradcheck with the given options (implementation, mode, tolerances...)."""
    return sc.gradcheck(x, upstream, axes, **options)
