"""Softmax Lab app helpers."""
