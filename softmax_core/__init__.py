"""softmax_core: softmax and its derivatives along any axes of an N-D array.

Pure NumPy, no Streamlit: import it in a REPL and use it.

>>> import softmax_core as sc
>>> y = sc.softmax([[1.0, 2.0], [3.0, 4.0]], axis=1)
>>> sc.softmax_vjp(y, [[1.0, 0.0], [0.0, 1.0]], axis=1).round(4)
array([[ 0.1966, -0.1966],
       [-0.1966,  0.1966]])
"""

from softmax_core.backward import (
    log_softmax_jvp,
    log_softmax_vjp,
    softmax_jvp,
    softmax_vjp,
)
from softmax_core.crossentropy import REDUCTIONS, cross_entropy, cross_entropy_grad
from softmax_core.functions import FUNCTIONS, log_softmax, softmax
from softmax_core.gallery import (
    IMPLEMENTATIONS,
    GalleryEntry,
    Implementation,
    LossImplementation,
    Variant,
    implementations_for,
)
from softmax_core.gradcheck import GradcheckReport, gradcheck
from softmax_core.jacobian import (
    DEFAULT_MAX_JACOBIAN_BYTES,
    JACOBIAN_FUNCTIONS,
    slice_jacobians,
)
from softmax_core.logsteps import (
    CrossEntropySteps,
    LogSoftmaxVjpSteps,
    cross_entropy_steps,
    log_softmax_vjp_steps,
)
from softmax_core.parsing import format_array, load_array_file, parse_array
from softmax_core.passrate import PassRate, Tally, pass_rate, pass_rates, sample_point
from softmax_core.reference import reference_source
from softmax_core.stability import (
    DtypeResult,
    NaiveSweep,
    SliceSums,
    dtype_comparison,
    naive_log_softmax,
    naive_softmax,
    naive_sweep,
    overflow_scale,
    overflow_threshold,
    slice_sums,
    underflow_threshold,
)
from softmax_core.steps import (
    JacobianSummary,
    VjpSteps,
    constant_along_slices,
    jacobian_summary,
    vjp_steps,
)
from softmax_core.targets import target_distribution

__all__ = [
    "DEFAULT_MAX_JACOBIAN_BYTES",
    "FUNCTIONS",
    "IMPLEMENTATIONS",
    "JACOBIAN_FUNCTIONS",
    "REDUCTIONS",
    "GalleryEntry",
    "GradcheckReport",
    "Implementation",
    "LossImplementation",
    "Variant",
    "cross_entropy",
    "cross_entropy_grad",
    "gradcheck",
    "implementations_for",
    "log_softmax",
    "log_softmax_jvp",
    "log_softmax_vjp",
    "slice_jacobians",
    "softmax",
    "softmax_jvp",
    "softmax_vjp",
    "target_distribution",
    # stability: the naive versions and where they break
    "DtypeResult",
    "NaiveSweep",
    "SliceSums",
    "dtype_comparison",
    "naive_log_softmax",
    "naive_softmax",
    "naive_sweep",
    "overflow_scale",
    "overflow_threshold",
    "slice_sums",
    "underflow_threshold",
    # parsing: text and files <-> arrays, never evaluated
    "format_array",
    "load_array_file",
    "parse_array",
    # passrate: how often a backward pass passes on seeded random inputs
    "PassRate",
    "Tally",
    "pass_rate",
    "pass_rates",
    "sample_point",
    # reference: the code behind each public function, as text
    "reference_source",
    # steps, logsteps: one slice's backward pass step by step
    "CrossEntropySteps",
    "JacobianSummary",
    "LogSoftmaxVjpSteps",
    "VjpSteps",
    "constant_along_slices",
    "cross_entropy_steps",
    "jacobian_summary",
    "log_softmax_vjp_steps",
    "vjp_steps",
]
