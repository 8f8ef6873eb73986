"""The app's size limits, in one place.

The core computes any size; the app refuses arrays it cannot draw or hold for
many visitors at once, before anything is allocated.
"""

__all__ = ["MAX_ELEMENTS"]

#: Largest array the app accepts, typed, generated or uploaded (8 MB in float64).
MAX_ELEMENTS = 1_000_000
