"""softmax_core.reference: the code "How it works" shows is the code that runs."""

import ast

import numpy as np
import pytest

import softmax_core as sc
from softmax_core.reference import REFERENCES, reference_source


@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_reference_source_is_python_without_docstrings(name):
    source = reference_source(name)
    tree = ast.parse(source)
    functions = [node for node in tree.body if isinstance(node, ast.FunctionDef)]
    assert len(functions) == len(REFERENCES[name])
    for node in functions:
        assert ast.get_docstring(node) is None
    assert "@" not in source.splitlines()[0]


def test_every_reference_names_a_public_function():
    for name in REFERENCES:
        assert callable(getattr(sc, name))


def test_the_shown_vjp_is_the_one_that_runs():
    # Exec the shown source in a namespace of its own and compare with the
    # public function on the NumPy path.
    namespace = {"np": np, "FloatArray": np.ndarray}
    namespace["divide_by_temperature"] = lambda a, t: a / t
    exec(reference_source("softmax_vjp"), namespace)  # noqa: S102 - our own source
    y = sc.softmax([[1.0, 2.0], [3.0, 4.0]], axis=1)
    g = np.array([[1.0, 0.0], [0.0, 1.0]])
    np.testing.assert_allclose(
        namespace["_softmax_vjp"](y, g, (1,), 2.0),
        sc.softmax_vjp(y, g, axis=1, temperature=2.0),
        rtol=1e-15,
    )


def test_unknown_name_is_refused_with_the_valid_names():
    with pytest.raises(ValueError, match="valid names are 'softmax'"):
        reference_source("softmx")
