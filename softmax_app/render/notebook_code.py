"""The code cells of the take-home notebook, as source text. No Streamlit.

Every cell imports nothing but NumPy (the optional PyTorch cell guards its
import), so the notebook runs top to bottom in a bare Python with NumPy. The
cells share a few names, defined in the first two: ``x``, ``axis``, ``T``,
``g`` (or ``t`` and ``upstream`` for cross-entropy), ``mask``; ``to_slices``,
``slice_name``, ``f``, ``backward`` and ``slice_losses``.

The forward functions follow the app's conventions: max-shifted, masked and
``-inf`` entries get probability 0, a slice with nothing left gets zeros, a
slice holding NaN or ``+inf`` is NaN.
"""

from __future__ import annotations

__all__ = [
    "FUNCTIONS",
    "check_code",
    "exercise_call",
    "exercise_code",
    "functions_code",
    "results_code",
    "slices_code",
    "torch_code",
]

#: The functions a notebook can be written for.
FUNCTIONS = ("softmax", "log_softmax", "cross_entropy")

_SLICES = '''
# One slice = the entries along the softmax axes. to_slices moves those axes
# last and flattens them (C order), so slices[..., j] is entry j of every slice.
axes = tuple(range(x.ndim)) if axis is None else tuple(
    sorted(a % x.ndim for a in np.atleast_1d(axis))
)
last = tuple(range(x.ndim - len(axes), x.ndim))


def to_slices(a):
    """a of x's shape -> (batch..., n)."""
    moved = np.moveaxis(a, axes, last)
    return moved.reshape(moved.shape[: x.ndim - len(axes)] + (-1,))


def from_slices(s):
    """(batch..., n) -> x's shape: undoes to_slices."""
    return np.moveaxis(s.reshape(np.moveaxis(x, axes, last).shape), last, axes)


def slice_name(index):
    """The NumPy expression of one slice, e.g. x[1, :]."""
    batch = iter(index)
    parts = [":" if d in axes else str(next(batch)) for d in range(x.ndim)]
    return "x[" + ", ".join(parts) + "]"
'''

_SOFTMAX_PLAIN = '''
def softmax(x, axis, T):
    """softmax(x / T) along axis: an int, a tuple of axes, or None for all."""
    m = np.max(x, axis=axis, keepdims=True)  # shift by the max: exp cannot overflow
    e = np.exp((x - m) / T)
    return e / np.sum(e, axis=axis, keepdims=True)
'''

_SOFTMAX_MASKED = '''
def softmax(x, axis, T, mask=True):
    """softmax(x / T) along axis; masked entries (mask False) get 0.

    -inf entries get 0 too, a slice with nothing left gets zeros (not NaN),
    and a slice holding NaN or +inf is NaN.
    """
    x = np.where(mask, x, -np.inf)  # a masked logit counts as -inf
    m = np.max(x, axis=axis, keepdims=True)
    poisoned = np.isnan(m) | (m == np.inf)
    m = np.where(np.isfinite(m), m, 0.0)  # an all -inf slice is shifted by 0
    with np.errstate(invalid="ignore", over="ignore"):
        e = np.exp((x - m) / T)
        total = np.sum(e, axis=axis, keepdims=True)
        y = np.divide(e, total, out=np.zeros_like(e), where=total > 0)
    return np.where(poisoned, np.nan, y)
'''

_LOG_SOFTMAX = '''
def log_softmax(x, axis, T, mask=True):
    """log(softmax(x / T)) as (x - max) / T - log(sum(exp(...))): never log(0).

    Masked entries (mask False) get -inf, and so does a slice with nothing left.
    """
    x = np.where(mask, x, -np.inf)
    m = np.max(x, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        s = (x - m) / T
        total = np.sum(np.exp(s), axis=axis, keepdims=True)
        return np.where(total > 0, s - np.log(total), -np.inf)
'''

_BACKWARD = {
    "softmax": '''
def softmax_vjp(y, g, axis, T):
    """dL/dx for L = sum(g * y), y = softmax(x / T): y * (g - <g, y>) / T per slice.

    No Jacobian is built. Masked entries have y = 0, so their gradient is 0.
    """
    return y * (g - np.sum(g * y, axis=axis, keepdims=True)) / T
''',
    "log_softmax": '''
def log_softmax_vjp(out, g, axis, T, mask=True):
    """dL/dx for L = sum(g * out), out = log_softmax(x / T): (g - y * sum(g)) / T.

    y = exp(out); the sum runs over each slice's unmasked entries, and masked
    entries get exactly 0.
    """
    g = np.where(mask, g, 0.0)
    y = np.exp(out)
    return np.where(mask, (g - y * np.sum(g, axis=axis, keepdims=True)) / T, 0.0)
''',
    "cross_entropy": '''
def cross_entropy_grad(x, t, axis, T, mask=True, upstream=1.0):
    """dL/dx for L = upstream * mean over slices of -sum(t * log_softmax(x / T)).

    The famous y - t: (softmax(x / T) - t) / (N * T), N the number of slices
    that have a target (a fully masked slice has none: it is left out).
    """
    y = softmax(x, axis, T, mask)
    return upstream * (y - np.where(mask, t, 0.0)) / (count_slices() * T)
''',
}

_CROSS_ENTROPY = '''
def count_slices():
    """N of the mean: the slices that have a target (a fully masked one has none)."""
    return max(1, int(np.sum(np.any(to_slices(np.where(mask, t, 0.0)) > 0, -1))))


def cross_entropy_per_slice(x):
    """-sum(t * log_softmax(x / T)) for each slice (0 for a fully masked one)."""
    out = log_softmax(x, axis, T, mask)
    return -np.sum(to_slices(t * np.where(t > 0, out, 0.0)), axis=-1)
'''

_LOSSES = {
    "softmax": '''
def f(x):
    return softmax(x, axis, T{mask})


def backward(x):
    """The correct backward pass: the VJP of softmax with the upstream gradient g."""
    return softmax_vjp(f(x), g, axis, T)


def slice_losses(x):
    """Each slice's share of L = sum(g * softmax(x / T))."""
    return np.sum(to_slices(g * f(x)), axis=-1)
''',
    "log_softmax": '''
def f(x):
    return log_softmax(x, axis, T, mask)


def backward(x):
    """The correct backward pass: the VJP of log_softmax with the upstream g."""
    return log_softmax_vjp(f(x), g, axis, T, mask)


def slice_losses(x):
    """Each slice's share of L = sum(g * log_softmax(x / T)) (masked entries: 0)."""
    with np.errstate(invalid="ignore"):  # 0 * -inf at masked entries, dropped
        return np.sum(to_slices(np.where(mask, g * f(x), 0.0)), axis=-1)
''',
    "cross_entropy": '''
def f(x):
    return softmax(x, axis, T, mask)


def backward(x):
    """The correct backward pass of the cross-entropy: (y - t) / (N * T)."""
    return cross_entropy_grad(x, t, axis, T, mask, upstream)


def slice_losses(x):
    """Each slice's share of L = upstream * mean of the cross-entropies."""
    return upstream * cross_entropy_per_slice(x) / count_slices()
''',
}


def slices_code() -> str:
    """Return the slice layout helpers every later cell uses."""
    return _SLICES.strip("\n") + "\n"


def functions_code(function: str, plain: bool) -> str:
    """Return the forward pass, its correct backward pass and the loss by slice.

    `plain` (finite x, no mask, softmax) gives the textbook softmax.
    """
    if function == "softmax" and plain:
        parts = [_SOFTMAX_PLAIN]
    else:
        parts = [_SOFTMAX_MASKED]
    if function in ("log_softmax", "cross_entropy"):
        parts.append(_LOG_SOFTMAX)
    if function == "cross_entropy":
        parts.append(_CROSS_ENTROPY)
    parts.append(_BACKWARD[function])
    mask = "" if plain else ", mask"
    parts.append(_LOSSES[function].replace("{mask}", mask))
    return "\n\n".join(part.strip("\n") for part in parts) + "\n"


_PRINT = "np.set_printoptions(precision=8, suppress=True)\n"

_RESULTS = {
    "softmax": 'y = f(x)\ndx = backward(x)\nprint("y = softmax(x / T):")\n'
    'print(y)\nprint("L = sum(g * y):", repr(float(np.sum(slice_losses(x)))))\n',
    "log_softmax": 'out = f(x)\ndx = backward(x)\nprint("log_softmax(x / T):")\n'
    'print(out)\nprint("L = sum(g * log_softmax):", '
    "repr(float(np.sum(slice_losses(x)))))\n",
    "cross_entropy": 'y = f(x)\ndx = backward(x)\nprint("y = softmax(x / T):")\n'
    'print(y)\nprint("L = cross-entropy:", repr(float(np.sum(slice_losses(x)))))\n',
}


def results_code(function: str) -> str:
    """Return the cell that computes and prints the result, the loss and dL/dx."""
    return _PRINT + _RESULTS[function] + 'print("dL/dx:")\nprint(dx)\n'


_TORCH_FORWARD = {
    "softmax": "torch.exp(s - torch.logsumexp(s, dim=axes, keepdim=True))",
    "log_softmax": "s - torch.logsumexp(s, dim=axes, keepdim=True)",
    "cross_entropy": "s - torch.logsumexp(s, dim=axes, keepdim=True)",
}

_TORCH_LOSS = {
    "softmax": "torch.where(keep, torch.tensor(g) * out, 0.0).sum()",
    "log_softmax": "torch.where(keep, torch.tensor(g) * out, 0.0).sum()",
    "cross_entropy": (
        "-upstream * torch.where(torch.tensor(t) > 0, torch.tensor(t) * out, 0.0)"
        ".sum() / count_slices()"
    ),
}

_TORCH = """
try:
    import torch
except ImportError:
    torch = None
    print("PyTorch is not installed: this comparison is skipped.")

if torch is not None:
    keep = torch.tensor(np.broadcast_to(mask, x.shape))

    def torch_loss(v):
        s = torch.where(keep, v / T, -torch.inf)  # logsumexp takes a tuple of dims
        out = {forward}
        return {loss}

    xt = torch.tensor(x, requires_grad=True)  # float64, like the lab
    torch_loss(xt).backward()
    # PyTorch gives NaN for a slice with nothing unmasked, where the lab gives 0.
    same = np.allclose(xt.grad.numpy(), dx, rtol=1e-10, atol=1e-12)
    print("PyTorch's autograd agrees with dx:", same)
"""


def torch_code(function: str) -> str:
    """Return the optional cell where PyTorch's autograd computes dL/dx too."""
    return (
        _TORCH.format(
            forward=_TORCH_FORWARD[function], loss=_TORCH_LOSS[function]
        ).strip("\n")
        + "\n"
    )


_CHECK = '''
EPS = float(np.cbrt(np.finfo(np.float64).eps))  # balances truncation and rounding
ATOL, RTOL = 1e-5, 1e-3  # the pass rule of torch.autograd.gradcheck in float64


def numeric_gradient(x, eps=EPS):
    """Central differences of each slice's loss, moving entry j of every slice at once.

    Slices do not interact, so 2 n evaluations (n = slice length) give the
    whole numeric gradient. The step is scaled by the distance from the
    slice's max (softmax sees only differences), at least 4 ulps of x, and
    each difference is divided by the realised step (x + h) - (x - h), not 2 h.
    """
    xs = to_slices(x)
    top = np.max(xs, axis=-1, keepdims=True)
    numeric = np.zeros_like(xs)
    for j in range(xs.shape[-1]):
        h = eps * np.maximum(1.0, np.abs(xs[..., j] - top[..., 0]))
        h = np.maximum(h, 4 * np.spacing(np.abs(xs[..., j])))  # x + h must differ
        plus, minus = xs.copy(), xs.copy()
        plus[..., j] += h
        minus[..., j] -= h
        change = slice_losses(from_slices(plus)) - slice_losses(from_slices(minus))
        numeric[..., j] = change / (plus[..., j] - minus[..., j])
    return from_slices(numeric)


def check(analytic, label, shown=20):
    """Compare a backward pass with central differences; print each slice's worst error.

    Returns the names of the wrong slices (empty when the check passes).
    """
    numeric = numeric_gradient(x)
    error = np.abs(analytic - numeric)
    ok = error <= ATOL + RTOL * np.abs(numeric)
    worst, wrong = np.max(to_slices(error), axis=-1), ~np.all(to_slices(ok), axis=-1)
    names = [slice_name(i) for i in np.ndindex(worst.shape)]
    bad = [name for name, w in zip(names, wrong.ravel()) if w]
    verdict = "PASS" if not bad else f"FAIL: {len(bad)} of {len(names)} slices wrong"
    print(f"{label}: {verdict}")
    for name, w, e in list(zip(names, wrong.ravel(), worst.ravel()))[:shown]:
        word = "WRONG" if w else "ok"
        print(f"  {name}: worst |analytic - numeric| = {e:.2e}  {word}")
    if len(names) > shown:
        print(f"  ... {len(names) - shown} more slices; wrong ones: {bad[:shown]}")
    return bad


check(dx, "the correct backward pass")
'''


def check_code() -> str:
    """Return the sliced gradient check, run on the correct backward pass."""
    return _CHECK.strip("\n") + "\n"


_STALE_BODY = {
    "softmax": (
        "        jacobian = (np.diag(y_row) - np.outer(y_row, y_row)) / T\n"
        "        grad = g_rows[counter] @ jacobian  # the matching slice of g?\n"
    ),
    "log_softmax": (
        "        ones = np.ones_like(y_row)\n"
        "        jacobian = (np.eye(y_row.size) - np.outer(ones, y_row)) / T\n"
        "        grad = g_rows[counter] @ jacobian  # the matching slice of g?\n"
    ),
    "cross_entropy": (
        "        # (y - t) / (N T), with the matching slice of the target?\n"
        "        grad = upstream * (y_row - t_rows[counter]) / (count_slices() * T)\n"
    ),
}

_EXERCISE_HEAD = {
    "softmax": (
        "def my_backward(x, g, axis, T):\n"
        '    """dL/dx for L = sum(g * softmax(x / T)). Fix me!"""\n'
        "    y = to_slices(f(x))  # one row per slice\n"
    ),
    "log_softmax": (
        "def my_backward(x, g, axis, T):\n"
        '    """dL/dx for L = sum(g * log_softmax(x / T)). Fix me!"""\n'
        "    y = to_slices(np.exp(f(x)))  # one row of probabilities per slice\n"
        "    g = np.where(mask, g, 0.0)  # masked entries take no part\n"
    ),
    "cross_entropy": (
        "def my_backward(x, t, axis, T):\n"
        '    """dL/dx of the mean cross-entropy against the target t. Fix me!"""\n'
        "    y = to_slices(f(x))  # one row per slice\n"
    ),
}

_EXERCISE_TAIL = """
    {g}_rows = to_slices({g}).reshape(-1, y.shape[-1])

    def slice_gradient(y_row, {g}_rows, counter):
{body}        # BUG: counter is this call's own local int; += 1 rebinds the local
        # name and changes nothing outside. apply_along_axis passes the same 0
        # to every call, so every slice uses the first slice's row.
        counter += 1
        return grad

    counter = 0
    grad = np.apply_along_axis(slice_gradient, -1, y, {g}_rows, counter)
    return from_slices(grad)
"""


def _upstream_name(function: str) -> str:
    return "t" if function == "cross_entropy" else "g"


def exercise_code(function: str) -> str:
    """Return the exercise: the stale-counter backward pass, to be fixed."""
    tail = _EXERCISE_TAIL.format(body=_STALE_BODY[function], g=_upstream_name(function))
    return _EXERCISE_HEAD[function] + tail.lstrip("\n")


def exercise_call(function: str) -> str:
    """Return the cell that checks the learner's backward pass."""
    g = _upstream_name(function)
    return f'wrong = check(my_backward(x, {g}, axis, T), "my_backward")\n'
