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


def _fresh_functions(count):
    """New function objects, so no earlier call has parsed them yet."""
    made = []
    for k in range(count):
        namespace = {}
        exec(f"def f{k}(a):\n    'doc'\n    return a + {k}\n", namespace)  # noqa: S102
        made.append(namespace[f"f{k}"])
    return made


def test_sources_are_parsed_once_and_never_by_two_threads_at_once(monkeypatch):
    # CPython 3.11's AST constructor can fail with "SystemError: AST
    # constructor recursion depth mismatch" when two threads parse at once; a
    # Streamlit server runs every session's script in its own thread. Widen
    # the window inside ast.parse and count who is in it.
    import inspect
    import threading
    import time

    import softmax_core.reference as reference

    functions = _fresh_functions(4)
    sources = {f: f"def {f.__name__}(a):\n    'doc'\n    return a\n" for f in functions}
    monkeypatch.setattr(inspect, "getsource", lambda f: sources[f])
    real_parse, inside, most, calls = ast.parse, [0], [0], [0]
    lock = threading.Lock()

    def slow_parse(source, *args, **kwargs):
        with lock:
            inside[0] += 1
            calls[0] += 1
            most[0] = max(most[0], inside[0])
        time.sleep(0.01)
        try:
            return real_parse(source, *args, **kwargs)
        finally:
            with lock:
                inside[0] -= 1

    monkeypatch.setattr(reference.ast, "parse", slow_parse)
    start = threading.Barrier(8)
    results = []

    def session():
        start.wait()
        results.append([reference.function_source(f) for f in functions])

    threads = [threading.Thread(target=session) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most[0] == 1
    assert calls[0] == len(functions)
    expected = [f"def {f.__name__}(a):\n    return a" for f in functions]
    assert results == [expected] * 8
