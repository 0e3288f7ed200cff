"""cords_summarize: the submodular selector of cords-summarize (C++), in Python.

    import numpy as np, cords_summarize as cs
    r = cs.select(np.random.rand(20000, 512).astype(np.float32), budget=1000)
    r.selected, r.gains, r.objective, r.timings_s

The selection is the one `cords-summarize select` makes for the same input and options (the same picks; gains equal
up to float rounding). Errors are
ValueError (bad arguments or data), OSError (unreadable input), MemoryError, or cords_summarize.CordsError.
"""
from __future__ import annotations

import json
import math
import os
import re
import shutil
import subprocess
from typing import Any, Iterator, Mapping, Optional, Sequence

from . import _cords
from ._cords import CordsError

__all__ = ["select", "summarize", "SelectionResult", "CordsError", "SummarizeError", "SetFunction", "FacilityLocation", "GraphCut", "LogDeterminant",
           "DisparitySum", "DisparityMin", "SaturatedCoverage", "FeatureBased", "SetCover"]
__version__ = "0.1.0"


class SelectionResult(Mapping[str, Any]):
    """A selection: attributes and the keys of the CLI's JSON (`selected`, `gains`, `objective`, `evaluations`,
    `function`, `budget`, `timings_s`, and `groups` / `knn` when used)."""

    def __init__(self, raw: dict):
        self._raw = raw

    selected = property(lambda self: self._raw["selected"], doc="indices into x, in the order chosen")
    gains = property(lambda self: self._raw["gains"], doc="gains[t] = f(first t+1) - f(first t)")
    objective = property(lambda self: self._raw["objective"], doc="f(selected)")
    evaluations = property(lambda self: self._raw["evaluations"], doc="gain evaluations performed")
    function = property(lambda self: self._raw["function"], doc="name, monotone, submodular")
    budget = property(lambda self: self._raw["budget"], doc="k, as resolved from budget or fraction")
    timings_s = property(lambda self: self._raw["timings_s"], doc="kernel, optimize and total seconds")

    def __getitem__(self, key: str) -> Any:
        return self._raw[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)

    def __repr__(self) -> str:
        return (f"SelectionResult({len(self.selected)} selected, objective={self.objective:.6g}, "
                f"function={self.function['name']!r}, total={self.timings_s['total']:.3f}s)")


def _as_array(x: Any):
    import numpy as np
    if hasattr(x, "detach") and hasattr(x, "numpy"):  # a torch tensor: CPU only, no copy for float32
        if getattr(x, "device", None) is not None and x.device.type != "cpu":
            raise ValueError("x is a tensor on " + str(x.device) + ": move it to the CPU first (x.cpu())")
        x = x.detach().numpy()
    a = np.asarray(x)
    if a.dtype == object or not (np.issubdtype(a.dtype, np.number) or a.dtype == np.bool_):
        raise ValueError(f"x must be numeric, got dtype {a.dtype}")
    if np.iscomplexobj(a):
        raise ValueError("x must be real, got a complex array")
    return a


def select(x: Any, budget: Optional[int] = None, fraction: Optional[float] = None, function: str = "facility-location",
           metric: str = "cosine", optimizer: str = "lazy", groups: Optional[Sequence[int]] = None,
           costs: Optional[Sequence[float]] = None, cost_budget: float = 0.0, seed: int = 0, knn: Optional[int] = None,
           threads: int = 0, rbf_kw: Optional[float] = None, lambda_: Optional[float] = None,
           regularizer: Optional[float] = None, concave: Optional[str] = None, alpha: Optional[float] = None,
           threshold: Optional[float] = None, epsilon: Optional[float] = None,
           represented: Any = None) -> SelectionResult:
    """Selects a representative subset of the rows of `x` with a submodular function.

    x         n x d features: a numpy array (float32 C-contiguous is read without a copy; other dtypes and layouts
              are converted) or a CPU torch tensor.
    budget    k, the number of rows to select; or
    fraction  k = ceil(fraction * n), in (0, 1]. Exactly one of the two (or costs with cost_budget).
    function  a set function (facility-location, graph-cut, log-determinant, disparity-sum, disparity-min,
              saturated-coverage, feature-based, set-cover, ...) or a weighted mixture "0.7*facility-location+0.3*...".
    metric    similarity for the kernel: cosine, euclidean, rbf, dot; or "precomputed": x is then the similarity
              itself, n x n and symmetric (kernel functions only), or n x m for facility-location, column j being
              represented element j.
    optimizer naive, lazy, stochastic, lazier-than-lazy, random.
    groups    one integer label per row: the budget is split over the groups (each at least 1 when k >= groups).
    costs     one positive cost per row, with cost_budget > 0: cost-aware greedy.
    seed      for the stochastic optimizers and the kNN index.
    knn       > 0: a sparse k-nearest-neighbour kernel (facility location on large n).
    threads   cores to use (0 = all).
    rbf_kw, lambda_, regularizer, concave, alpha, threshold, epsilon: the rbf width factor, graph-cut's lambda,
              log-determinant's r, feature-based's g, saturated-coverage's alpha, set-cover's threshold, the
              stochastic optimizers' epsilon (defaults as the CLI's, `cords-summarize select --help`).
    represented  m x d features of the elements to represent when they are not the ground set (facility-location:
              f(S) = sum over the represented elements of their best similarity to S; the rows of x are the
              candidates). Dense kernel only (no knn, no groups).

    Returns a SelectionResult. The GIL is released while selecting.
    """
    a = _as_array(x)
    kwargs = {k: v for k, v in (("rbf_kw", rbf_kw), ("lambda_", lambda_), ("regularizer", regularizer),
                                 ("concave", concave), ("alpha", alpha), ("threshold", threshold),
                                 ("epsilon", epsilon)) if v is not None}
    if budget is not None and (isinstance(budget, bool) or int(budget) != budget):
        raise ValueError(f"budget must be an integer, got {budget!r}")
    # The CLI's checks, with the keyword's name (a Python user never reads "--knn").
    for name, value in (("threads", threads), ("knn", knn)):
        if value is not None and (isinstance(value, bool) or int(value) != value or value < 0):
            raise ValueError(f"{name} must be an integer >= 0, got {value!r}")
    if not math.isfinite(float(cost_budget)):
        raise ValueError(f"cost_budget must be a finite number, got {cost_budget!r}")
    for name, value in kwargs.items():
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"{name} must be a finite number, got {value!r}")
    if groups is not None:
        groups = list(groups)
        for i, g in enumerate(groups):
            if isinstance(g, bool) or int(g) != g:
                raise ValueError(f"groups[{i}] = {g!r} is not an integer label")
    raw = _cords.select(a, None if budget is None else int(budget), None if fraction is None else float(fraction),
                        function, metric, optimizer,
                        None if groups is None else [int(g) for g in groups],
                        None if costs is None else [float(c) for c in costs], float(cost_budget), int(seed),
                        0 if knn is None else int(knn), int(threads), **kwargs,
                        represented=None if represented is None else _as_array(represented))
    return SelectionResult(raw)


class SetFunction(_cords.SetFunction):
    """A set function over (a copy of) x, for custom use: f.evaluate(subset), f.marginal_gain(i) and
    f.marginal_gains(candidates) for the current set, f.add(i), f.reset(), f.selected, f.value, f.n, f.name,
    f.monotone, f.submodular. `function` is a name or a weighted mixture ("0.7*facility-location+0.3*disparity-sum");
    metric (including "precomputed"), knn, represented and the parameters as for select(). A greedy step:

        f = cs.FacilityLocation(x)
        for _ in range(k):
            rest = [i for i in range(f.n) if i not in set(f.selected)]
            f.add(rest[int(np.argmax(f.marginal_gains(rest)))])
    """

    def __init__(self, x: Any, function: str = "facility-location", **kwargs: Any):
        if kwargs.get("represented") is not None:
            kwargs["represented"] = _as_array(kwargs["represented"])
        super().__init__(_as_array(x), function, **kwargs)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(n={self.n}, function={self.name!r}, |S|={len(self.selected)}, f(S)={self.value:.6g})"


def _named(name: str, function: str):
    def __init__(self, x: Any, **kwargs: Any):
        SetFunction.__init__(self, x, function, **kwargs)
    return type(name, (SetFunction,), {"__init__": __init__, "__doc__": f"SetFunction(x, {function!r}, ...)"})


FacilityLocation = _named("FacilityLocation", "facility-location")
GraphCut = _named("GraphCut", "graph-cut")
LogDeterminant = _named("LogDeterminant", "log-determinant")
DisparitySum = _named("DisparitySum", "disparity-sum")
DisparityMin = _named("DisparityMin", "disparity-min")
SaturatedCoverage = _named("SaturatedCoverage", "saturated-coverage")
FeatureBased = _named("FeatureBased", "feature-based")
SetCover = _named("SetCover", "set-cover")


class SummarizeError(RuntimeError):
    """`cords-summarize` failed; `code` is its exit code (docs/cli.md: 2 invalid arguments, 3 input unreadable,
    4 model unusable, 5 output unwritable, 1 internal), `message` its error line."""

    def __init__(self, code: int, message: str):
        super().__init__(f"cords-summarize exited {code}: {message}")
        self.code = code
        self.message = message


def _executable() -> str:
    """The cords-summarize to run: $CORDS_SUMMARIZE, the one pip installed with this package (_prefix/bin), the
    build tree beside this package (build/python -> build/src), else the one on PATH."""
    env = os.environ.get("CORDS_SUMMARIZE")
    if env:
        return env
    here = os.path.dirname(os.path.abspath(__file__))
    for candidate in (os.path.join(here, "_prefix", "bin", "cords-summarize"),
                      os.path.join(here, "..", "..", "src", "cords-summarize")):
        if os.access(candidate, os.X_OK):
            return os.path.normpath(candidate)
    found = shutil.which("cords-summarize")
    if not found:
        raise FileNotFoundError("cords-summarize not found: this package was built without it (no FFmpeg development "
                                "files, or CORDS_PIP_CLI=0); build it, put it on PATH or set CORDS_SUMMARIZE")
    return found


def summarize(path: str, output: Optional[str] = None, **options: Any) -> dict:
    """Summarizes the video at `path` as `cords-summarize PATH -o OUTPUT ...` does (outputs written as with the
    CLI: DIR/summary.json, index.html, sheet.jpg, summary.mp4, preview.webp/.mp4, thumbnails.vtt with its sprites,
    keyframes/, shots.csv, chapters.vtt, summary/shots .edl and .otio) and returns the manifest
    (summary.json) as a dict.

    Options are the CLI's long options with underscores: summarize("a.mp4", "a.summary", fraction=0.05,
    features="histogram", no_clip=True, force=True). True adds a switch, False or None leaves it out, a list or
    tuple repeats the option. The executable runs in a process of its own (the video pipeline, FFmpeg and LibTorch
    are not loaded into Python); errors raise SummarizeError with its exit code.
    """
    if os.path.isdir(path):
        raise ValueError(f"summarize() takes one video file; {os.fspath(path)!r} is a folder (batch mode is the CLI's: "
                         "cords-summarize DIR -o OUT)")
    args = [_executable(), os.fspath(path)]
    if output is not None:
        args += ["-o", os.fspath(output)]
    for key, value in options.items():
        if not re.fullmatch(r"[a-z][a-z0-9_]*", key) or key in ("help", "json", "quiet", "q", "o", "output"):
            raise ValueError(f"summarize() has no option {key!r}")
        flag = "--" + key.replace("_", "-")
        if hasattr(value, "dtype") and getattr(value, "shape", None) == () and value.dtype == bool:
            value = bool(value)  # numpy.bool_
        if value is None or value is False:
            continue
        # Values as --flag=value: one argv element each, so that no value is ever taken for an input (no_clip="False"
        # is refused by the CLI as a switch given a value, not read as a video named False).
        if value is True:
            args.append(flag)
        elif isinstance(value, (list, tuple)):
            args += [f"{flag}={v}" for v in value]
        else:
            args.append(f"{flag}={value}")
    args += ["--json", "-q"]
    run = subprocess.run(args, capture_output=True, text=True)
    if run.returncode != 0:
        lines = [l for l in run.stderr.splitlines() if l.strip()]
        raise SummarizeError(run.returncode, lines[-1] if lines else "(no message)")
    return json.loads(run.stdout)
