"""Names every doctest in softmax_core may use without importing them."""

import numpy as np
import pytest

import softmax_core


@pytest.fixture(autouse=True)
def _doctest_names(doctest_namespace: dict[str, object]) -> None:
    doctest_namespace["np"] = np
    for name in softmax_core.__all__:
        doctest_namespace[name] = getattr(softmax_core, name)
