"""Small deterministic data sets: generators, a train/test split and a CSV reader.

Everything here is plain Python: a data set is ``X``, a list of rows (each a list of
floats), and ``y``, a list of labels or targets. The generators follow scikit-learn's
``make_moons``, ``make_blobs`` and ``make_regression`` (same geometry, same split of
samples between classes), without NumPy.

Each generator draws only from its own ``random.Random(seed)``; the global random state
is never read or changed. The same ``seed`` gives the same data on every run, and
``seed=None`` gives fresh data each call. Gaussian noise and shuffles are built from
``Random.random()`` alone, the one method whose sequence Python promises to keep across
versions, so a seed names the same data set on every Python release.

Example:
    >>> from autograd_mini.datasets import make_xor, train_test_split
    >>> X, y = make_xor(8)
    >>> X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=2, seed=0)
    >>> len(X_train), len(X_test)
    (6, 2)
"""

from __future__ import annotations

import csv
import itertools
import math
import numbers
import os
import random
import sys
from collections.abc import Iterator, Sequence
from typing import Literal, TypeVar

from .value import _describe

__all__ = [
    "make_moons",
    "make_blobs",
    "make_regression",
    "make_xor",
    "train_test_split",
    "load_csv",
]

_T = TypeVar("_T")
_U = TypeVar("_U")

_XOR_CORNERS = ((0.0, 0.0), (0.0, 1.0), (1.0, 0.0), (1.0, 1.0))
_XOR_LABELS = (0, 1, 1, 0)


# --- argument checks -----------------------------------------------------------------

def _check_int(func: str, name: str, value: object, *, minimum: int) -> int:
    """Return ``value`` as an int >= ``minimum``, or raise naming ``func`` and ``name``."""
    what = "a positive int" if minimum == 1 else f"an int >= {minimum}"
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{func}: {name} must be {what} (got {_describe(value)})")
    n = int(value)
    if n < minimum:
        raise ValueError(f"{func}: {name} must be {what} (got {n!r})")
    return n


def _check_real(func: str, name: str, value: object, *, nonnegative: bool = False) -> float:
    """Return ``value`` as a finite float (>= 0 if asked), or raise naming ``func`` and ``name``."""
    what = "a finite number >= 0" if nonnegative else "a finite number"
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{func}: {name} must be {what} (got {_describe(value)})")
    f = float(value)
    if not math.isfinite(f) or (nonnegative and f < 0.0):
        raise ValueError(f"{func}: {name} must be {what} (got {value!r})")
    return f


# NOTE: a Box-Muller draw is at most sqrt(-2 log 2**-53) < 8.6 standard deviations, so
# a noise below this limit keeps every noisy coordinate of magnitude <= 4 finite.
_MAX_NOISE = sys.float_info.max / 32.0
# Centers (and the bias) as large as this stay finite with that noise added.
_MAX_CENTER = sys.float_info.max / 4.0


def _check_scale(func: str, name: str, value: float, limit: float, what: str) -> float:
    """``value`` if ``abs(value) <= limit``, else a ValueError saying what would overflow."""
    if abs(value) > limit:
        raise ValueError(
            f"{func}: {name} must be at most {limit:.3g} in size so that {what} stay finite "
            f"(got {value!r})"
        )
    return value


def _check_vector(func: str, name: str, value: object) -> list[float]:
    """Return a list or tuple of finite numbers as a list of floats."""
    if not isinstance(value, (list, tuple)):
        raise TypeError(
            f"{func}: {name} must be a list or tuple of numbers (got {_describe(value)})"
        )
    return [_check_real(func, f"{name}[{i}]", v) for i, v in enumerate(value)]


def _make_rng(func: str, seed: object) -> random.Random:
    """A private generator for ``seed`` (an int >= 0, or None for a fresh one)."""
    if seed is None:
        return random.Random()
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"{func}: seed must be an int >= 0 or None (got {_describe(seed)})")
    # NOTE: Random(-s) and Random(s) give the same stream (seeding uses abs()), so a
    # negative seed would silently alias a positive one; refuse it, as NumPy does.
    if seed < 0:
        raise ValueError(f"{func}: seed must be an int >= 0 or None (got {seed!r})")
    return random.Random(int(seed))


# --- random draws, from Random.random() only ------------------------------------------
def _gauss(rng: random.Random, sigma: float) -> float:
    """One draw from N(0, sigma**2) by the Box-Muller transform."""
    # 1 - random() lies in (0, 1], so the log is always defined.
    radius = math.sqrt(-2.0 * math.log(1.0 - rng.random()))
    return sigma * radius * math.cos(2.0 * math.pi * rng.random())


def _permutation(rng: random.Random, n: int) -> list[int]:
    """A uniformly random ordering of ``range(n)`` (Fisher-Yates)."""
    order = list(range(n))
    for i in range(n - 1, 0, -1):
        j = int(rng.random() * (i + 1))  # random() < 1, so j <= i
        order[i], order[j] = order[j], order[i]
    return order


def _linspace(stop: float, num: int) -> list[float]:
    """``num`` evenly spaced numbers from 0 to ``stop`` inclusive, as ``numpy.linspace``."""
    if num <= 1:
        return [0.0] * num
    step = stop / (num - 1)
    return [i * step for i in range(num - 1)] + [stop]


# --- generators ------------------------------------------------------------------------
def make_moons(
    n_samples: int = 100, *, noise: float = 0.0, seed: int | None = None
) -> tuple[list[list[float]], list[int]]:
    """Two interleaving half circles, labelled 0 (upper moon) and 1 (lower moon).

    The upper moon is ``(cos t, sin t)`` and the lower one ``(1 - cos t, 1 - sin t - 0.5)``,
    with ``t`` evenly spaced over ``[0, pi]``, as in scikit-learn. The upper moon gets
    ``n_samples // 2`` points and the lower one the rest. The points are shuffled, then
    each coordinate gets Gaussian noise; the shuffle does not depend on ``noise``, so
    with the same seed the noisy set is the noise-free set, point for point, plus noise.

    Args:
        n_samples: the number of points (>= 1).
        noise: the standard deviation of the Gaussian noise added to each coordinate.
        seed: an int >= 0 for reproducible data, or None for fresh data each call.

    Returns:
        ``(X, y)``: ``n_samples`` rows ``[x1, x2]`` and their labels.

    Raises:
        TypeError: an argument has the wrong type.
        ValueError: ``n_samples < 1``, ``noise < 0`` or not finite, or ``seed < 0``.

    Example:
        >>> X, y = make_moons(6, seed=0)
        >>> len(X), sorted(y)
        (6, [0, 0, 0, 1, 1, 1])
        >>> all(abs(a * a + b * b - 1.0) < 1e-12 for (a, b), c in zip(X, y) if c == 0)
        True
    """
    n = _check_int("make_moons", "n_samples", n_samples, minimum=1)
    sigma = _check_real("make_moons", "noise", noise, nonnegative=True)
    _check_scale("make_moons", "noise", sigma, _MAX_NOISE, "the points")
    rng = _make_rng("make_moons", seed)

    n_upper = n // 2
    n_lower = n - n_upper
    points = [[math.cos(t), math.sin(t)] for t in _linspace(math.pi, n_upper)]
    # 1 - sin t - 0.5 rather than 0.5 - sin t: the same rounding as scikit-learn.
    points += [[1.0 - math.cos(t), 1.0 - math.sin(t) - 0.5] for t in _linspace(math.pi, n_lower)]
    labels = [0] * n_upper + [1] * n_lower

    order = _permutation(rng, n)
    X = [points[i] for i in order]
    y = [labels[i] for i in order]
    if sigma > 0.0:
        for row in X:
            row[0] += _gauss(rng, sigma)
            row[1] += _gauss(rng, sigma)
    return X, y


def make_blobs(
    n_samples: int = 100,
    *,
    centers: int | Sequence[Sequence[float]] = 3,
    n_features: int | None = None,
    cluster_std: float = 1.0,
    center_box: tuple[float, float] = (-10.0, 10.0),
    seed: int | None = None,
) -> tuple[list[list[float]], list[int]]:
    """Gaussian clusters around a few centers, labelled by center.

    ``centers`` is either how many centers to draw (uniformly in ``center_box`` along
    every axis) or the list of their coordinates. As in scikit-learn, each center gets
    ``n_samples // len(centers)`` points and the first ``n_samples % len(centers)``
    centers one more; the points are then shuffled.

    Args:
        n_samples: the total number of points (>= 1).
        centers: the number of centers (>= 1), or their coordinates, one list per center.
        n_features: the number of coordinates per point. Defaults to 2 when ``centers``
            is a count, and to the centers' length when they are given (if given too,
            it must match).
        cluster_std: the standard deviation of each coordinate around its center.
        center_box: ``(low, high)``, the range random centers are drawn from.
        seed: an int >= 0 for reproducible data, or None for fresh data each call.

    Returns:
        ``(X, y)``: ``n_samples`` rows and their labels, ``0 .. len(centers) - 1``.

    Raises:
        TypeError: an argument has the wrong type.
        ValueError: an argument is out of range, or the centers disagree in length.

    Example:
        >>> X, y = make_blobs(4, centers=[[0.0, 0.0], [5.0, 5.0]], cluster_std=0.0, seed=1)
        >>> sorted(zip(y, X))
        [(0, [0.0, 0.0]), (0, [0.0, 0.0]), (1, [5.0, 5.0]), (1, [5.0, 5.0])]
    """
    func = "make_blobs"
    n = _check_int(func, "n_samples", n_samples, minimum=1)
    dim = None if n_features is None else _check_int(func, "n_features", n_features, minimum=1)
    std = _check_scale(func, "cluster_std", _check_real(func, "cluster_std", cluster_std,
                                                         nonnegative=True),
                       _MAX_NOISE, "the points")
    if not isinstance(center_box, (list, tuple)) or len(center_box) != 2:
        raise TypeError(
            f"{func}: center_box must be a pair (low, high) (got {_describe(center_box)})"
        )
    low = _check_scale(func, "center_box[0]", _check_real(func, "center_box[0]", center_box[0]),
                       _MAX_CENTER, "the centers and points")
    high = _check_scale(func, "center_box[1]", _check_real(func, "center_box[1]", center_box[1]),
                        _MAX_CENTER, "the centers and points")
    if low > high:
        raise ValueError(f"{func}: center_box must have low <= high (got {center_box!r})")
    rng = _make_rng(func, seed)

    if isinstance(centers, (list, tuple)):
        if not centers:
            raise ValueError(f"{func}: centers must not be empty")
        points = [_check_vector(func, f"centers[{k}]", c) for k, c in enumerate(centers)]
        for k, c in enumerate(points):
            for j, v in enumerate(c):
                _check_scale(func, f"centers[{k}][{j}]", v, _MAX_CENTER, "the points")
        if not points[0]:
            raise ValueError(f"{func}: centers[0] must have at least one coordinate (got [])")
        for k, c in enumerate(points):
            if len(c) != len(points[0]):
                raise ValueError(
                    f"{func}: every center needs the same number of coordinates "
                    f"(centers[0] has {len(points[0])}, centers[{k}] has {len(c)})"
                )
        if dim is not None and dim != len(points[0]):
            raise ValueError(
                f"{func}: n_features is {dim} but the centers have {len(points[0])} "
                f"coordinates; leave n_features out to take it from the centers"
            )
    else:
        if isinstance(centers, bool) or not isinstance(centers, numbers.Integral):
            raise TypeError(
                f"{func}: centers must be a positive int or a list of center coordinates "
                f"(got {_describe(centers)})"
            )
        k = _check_int(func, "centers", centers, minimum=1)
        dim = 2 if dim is None else dim
        points = [[low + (high - low) * rng.random() for _ in range(dim)] for _ in range(k)]

    n_centers = len(points)
    X: list[list[float]] = []
    y: list[int] = []
    for label, center in enumerate(points):
        count = n // n_centers + (1 if label < n % n_centers else 0)
        for _ in range(count):
            X.append([c + _gauss(rng, std) if std > 0.0 else c for c in center])
            y.append(label)
    order = _permutation(rng, n)
    return [X[i] for i in order], [y[i] for i in order]


def make_regression(
    n_samples: int = 100,
    n_features: int = 1,
    *,
    noise: float = 0.0,
    bias: float = 0.0,
    coef: Sequence[float] | None = None,
    seed: int | None = None,
) -> tuple[list[list[float]], list[float], list[float]]:
    """A linear regression problem with known coefficients: ``y = X . coef + bias + noise``.

    The inputs are standard normal. Random coefficients are uniform in ``[0, 100)``, as
    in scikit-learn. With ``noise=0`` every target is exactly
    ``math.fsum(x * c for x, c in zip(row, coef)) + bias``. The inputs are drawn first,
    so for a given seed ``X`` does not depend on ``coef``, ``bias`` or ``noise``.

    Args:
        n_samples: the number of rows (>= 1).
        n_features: the number of inputs per row (>= 1).
        noise: the standard deviation of the Gaussian noise added to each target.
        bias: the intercept.
        coef: the ``n_features`` coefficients; None draws them at random.
        seed: an int >= 0 for reproducible data, or None for fresh data each call.

    Returns:
        ``(X, y, coef)``: the rows, their targets and the coefficients used.

    Raises:
        TypeError: an argument has the wrong type.
        ValueError: an argument is out of range, or ``coef`` has the wrong length.

    Example:
        >>> X, y, coef = make_regression(3, 2, coef=[2.0, -1.0], bias=0.5, seed=0)
        >>> coef
        [2.0, -1.0]
        >>> all(abs(t - (2.0 * a - b + 0.5)) < 1e-12 for (a, b), t in zip(X, y))
        True
    """
    func = "make_regression"
    n = _check_int(func, "n_samples", n_samples, minimum=1)
    d = _check_int(func, "n_features", n_features, minimum=1)
    sigma = _check_scale(func, "noise", _check_real(func, "noise", noise, nonnegative=True),
                         _MAX_NOISE, "the targets")
    b = _check_scale(func, "bias", _check_real(func, "bias", bias), _MAX_CENTER, "the targets")
    weights = None if coef is None else _check_vector(func, "coef", coef)
    if weights is not None and len(weights) != d:
        raise ValueError(f"{func}: coef must have n_features={d} entries (got {len(weights)})")
    if weights is not None:
        # |x| < 8.6, so |x . coef| < 8.6 * d * max|coef|: keep that below max / 4 too.
        for j, c in enumerate(weights):
            _check_scale(func, f"coef[{j}]", c, _MAX_NOISE / d, "the targets")
    rng = _make_rng(func, seed)

    X = [[_gauss(rng, 1.0) for _ in range(d)] for _ in range(n)]
    if weights is None:
        weights = [100.0 * rng.random() for _ in range(d)]
    y = [math.fsum(x * c for x, c in zip(row, weights, strict=True)) + b for row in X]
    if sigma > 0.0:
        y = [t + _gauss(rng, sigma) for t in y]
    return X, y, weights


def make_xor(
    n_samples: int = 4, *, noise: float = 0.0, seed: int | None = None
) -> tuple[list[list[float]], list[int]]:
    """The XOR problem: the corners of the unit square, labelled ``x1 xor x2``.

    Sample ``i`` is corner ``i % 4`` of ``[0, 0], [0, 1], [1, 0], [1, 1]`` (labels
    ``0, 1, 1, 0``), so the classes stay balanced and the order is fixed; then each
    coordinate gets Gaussian noise. The seed only matters when ``noise > 0``.

    Args:
        n_samples: the number of points (>= 1).
        noise: the standard deviation of the Gaussian noise added to each coordinate.
        seed: an int >= 0 for reproducible data, or None for fresh data each call.

    Returns:
        ``(X, y)``: the rows ``[x1, x2]`` and their labels.

    Raises:
        TypeError: an argument has the wrong type.
        ValueError: ``n_samples < 1``, ``noise < 0`` or not finite, or ``seed < 0``.

    Example:
        >>> make_xor()
        ([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], [0, 1, 1, 0])
    """
    n = _check_int("make_xor", "n_samples", n_samples, minimum=1)
    sigma = _check_real("make_xor", "noise", noise, nonnegative=True)
    _check_scale("make_xor", "noise", sigma, _MAX_NOISE, "the points")
    rng = _make_rng("make_xor", seed)

    X = [list(_XOR_CORNERS[i % 4]) for i in range(n)]
    y = [_XOR_LABELS[i % 4] for i in range(n)]
    if sigma > 0.0:
        for row in X:
            row[0] += _gauss(rng, sigma)
            row[1] += _gauss(rng, sigma)
    return X, y


# --- splitting -------------------------------------------------------------------------
def train_test_split(
    X: Sequence[_T],
    y: Sequence[_U],
    *,
    test_size: float | int = 0.25,
    shuffle: bool = True,
    seed: int | None = None,
) -> tuple[list[_T], list[_T], list[_U], list[_U]]:
    """Split rows and labels into a training and a test part, keeping pairs together.

    A fractional ``test_size`` gives ``ceil(test_size * len(X))`` test rows, as in
    scikit-learn, except that float rounding noise is ignored (``0.07 * 100`` is 7
    rows, not 8). Without shuffling the test rows are the last ones. The rows
    themselves are not copied.

    Args:
        X: the rows.
        y: the labels, one per row.
        test_size: the fraction of rows to test on, in ``(0, 1)``, or their number.
        shuffle: whether to shuffle before splitting.
        seed: an int >= 0 for a reproducible shuffle, or None for a fresh one.

    Returns:
        ``(X_train, X_test, y_train, y_test)``, in scikit-learn's order.

    Raises:
        TypeError: an argument has the wrong type.
        ValueError: ``X`` and ``y`` differ in length, or ``test_size`` leaves either
            part empty.

    Example:
        >>> X_train, X_test, y_train, y_test = train_test_split(
        ...     [[0.0], [1.0], [2.0], [3.0]], [0, 1, 2, 3], shuffle=False)
        >>> X_train, X_test, y_train, y_test
        ([[0.0], [1.0], [2.0]], [[3.0]], [0, 1, 2], [3])
    """
    func = "train_test_split"
    n = _check_length(func, "X", X)
    n_y = _check_length(func, "y", y)
    if n != n_y:
        raise ValueError(f"{func}: X and y must have the same length (got {n} and {n_y})")
    if n < 2:
        raise ValueError(f"{func}: need at least 2 samples to split (got {n})")
    if not isinstance(shuffle, bool):
        raise TypeError(f"{func}: shuffle must be True or False (got {_describe(shuffle)})")

    if isinstance(test_size, bool) or not isinstance(test_size, (numbers.Integral, float)):
        raise TypeError(
            f"{func}: test_size must be a float in (0, 1) or an int count "
            f"(got {_describe(test_size)})"
        )
    if isinstance(test_size, numbers.Integral):
        n_test = int(test_size)
        if not 1 <= n_test <= n - 1:
            raise ValueError(
                f"{func}: an int test_size must be between 1 and {n - 1} for {n} samples "
                f"(got {n_test})"
            )
    else:
        if not 0.0 < test_size < 1.0:
            raise ValueError(f"{func}: a float test_size must be in (0, 1) (got {test_size!r})")
        # NOTE: round away float noise before ceil: 0.07 * 100 == 7.000000000000001.
        n_test = math.ceil(round(test_size * n, 9))
        if n_test > n - 1:
            raise ValueError(
                f"{func}: test_size={test_size!r} of {n} samples leaves no training samples"
            )
    rng = _make_rng(func, seed)

    order = _permutation(rng, n) if shuffle else list(range(n))
    train, test = order[: n - n_test], order[n - n_test :]
    return [X[i] for i in train], [X[i] for i in test], [y[i] for i in train], [y[i] for i in test]


def _check_length(func: str, name: str, value: object) -> int:
    if isinstance(value, (str, bytes)) or not hasattr(value, "__getitem__"):
        raise TypeError(f"{func}: {name} must be a list or other sequence (got {_describe(value)})")
    try:
        return len(value)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(
            f"{func}: {name} must be a list or other sequence (got {_describe(value)})"
        ) from None


# --- reading files ---------------------------------------------------------------------
def load_csv(
    path: str | os.PathLike[str],
    *,
    target: int | str = -1,
    header: bool | Literal["auto"] = "auto",
    delimiter: str = ",",
) -> tuple[list[list[float]], list[float], list[str]]:
    """Read a numeric CSV file into rows, targets and feature names.

    Cells are parsed with ``float`` (never evaluated); empty lines are skipped. Every
    problem is a ``ValueError`` naming the file, the line and the column, e.g.
    ``data.csv, line 7: expected 3 cells, got 2``. Columns are named by their header,
    or, without one, by their 0-based index (as ``target`` counts them).

    Args:
        path: the file, read as UTF-8 (a byte-order mark is ignored).
        target: the label column: an index (negative counts from the end) or a header
            name.
        header: True if line 1 holds column names, False if it is data, ``"auto"`` to
            treat it as a header when none of its cells is a number.
        delimiter: the one-character cell separator.

    Returns:
        ``(X, y, feature_names)``: the feature rows, the target of each row (floats),
        and the feature columns' names (``x0, x1, ...`` without a header).

    Raises:
        TypeError: an argument has the wrong type.
        ValueError: the file is empty, a row has the wrong number of cells, a cell is not
            a finite number, ``target`` names no column, or the CSV is malformed.
        OSError: the file cannot be opened.

    Example:
        >>> import os, tempfile
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     path = os.path.join(folder, "data.csv")
        ...     with open(path, "w", encoding="utf-8") as f:
        ...         _ = f.write("x1,x2,label\\n0.5,1,1\\n-2,3e-1,0\\n")
        ...     data = load_csv(path, target="label")
        >>> data
        ([[0.5, 1.0], [-2.0, 0.3]], [1.0, 0.0], ['x1', 'x2'])
    """
    func = "load_csv"
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"{func}: path must be a str or path-like (got {_describe(path)})")
    if isinstance(target, bool) or not isinstance(target, (int, str)):
        raise TypeError(f"{func}: target must be a column index or name (got {_describe(target)})")
    if not (header is True or header is False or header == "auto"):
        message = f"{func}: header must be True, False or 'auto' (got {_describe(header)})"
        raise ValueError(message) if isinstance(header, str) else TypeError(message)
    if not isinstance(delimiter, str):
        raise TypeError(f"{func}: delimiter must be a str (got {_describe(delimiter)})")
    if len(delimiter) != 1 or delimiter in '"\r\n':
        raise ValueError(
            f"{func}: delimiter must be one character other than a quote or newline "
            f"(got {delimiter!r})"
        )
    name = os.fspath(path)

    rows = _iter_rows(name, delimiter)  # streamed: the file's text is never all in memory
    try:
        first_line, first = next(rows)
    except StopIteration:
        raise ValueError(f"{name}: the file is empty") from None
    has_header = header is True or (header == "auto" and not any(map(_is_number, first)))
    names = [cell.strip() for cell in first] if has_header else None
    n_cols = len(first)
    if n_cols < 2:
        raise ValueError(
            f"{name}, line {first_line}: expected at least 2 columns (features and a "
            f"target), got {n_cols}"
        )
    t = _target_index(name, target, names, n_cols)

    features = [j for j in range(n_cols) if j != t]
    if names is None:
        columns = [f"column index {j}" for j in range(n_cols)]
        feature_names = [f"x{k}" for k in range(len(features))]
    else:
        columns = [f"column {_cut(cell)}" for cell in names]
        feature_names = [names[j] for j in features]
    # A mixed first row is read as data; if it fails, it may have been a header after all.
    hint = f" (pass header=True if line {first_line} is a header)" if header == "auto" else ""

    X: list[list[float]] = []
    y: list[float] = []
    data = rows if has_header else itertools.chain([(first_line, first)], rows)
    for line, row in data:
        if len(row) != n_cols:
            raise ValueError(f"{name}, line {line}: expected {n_cols} cells, got {len(row)}")
        values = []
        for j, cell in enumerate(row):
            text = cell.strip()
            if not text:
                raise ValueError(f"{name}, line {line}, {columns[j]}: empty cell")
            try:
                value = float(text)
            except ValueError:
                raise ValueError(
                    f"{name}, line {line}, {columns[j]}: {_cut(text)} is not a number"
                    f"{hint if line == first_line else ''}"
                ) from None
            if not math.isfinite(value):
                raise ValueError(
                    f"{name}, line {line}, {columns[j]}: {_cut(text)} is not a finite number"
                )
            values.append(value)
        X.append([values[j] for j in features])
        y.append(values[t])
    if not X:
        raise ValueError(f"{name}: no data rows after the header on line {first_line}")
    return X, y, feature_names


def _cut(text: str, limit: int = 40) -> str:
    """``repr(text)`` for an error message, cut to about ``limit`` characters."""
    if len(text) <= limit:
        return repr(text)
    return repr(text[: limit - 3]) + f"... ({len(text):,} characters)"


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _iter_rows(name: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """The file's non-blank rows, one at a time, each with the line number it starts on."""
    try:
        with open(name, newline="", encoding="utf-8-sig") as f:
            reader = csv.reader(f, delimiter=delimiter, strict=True)
            while True:
                # A quoted cell may span lines, so a row starts after the last one read.
                start = reader.line_num + 1
                try:
                    row = next(reader)
                except StopIteration:
                    break
                except csv.Error as exc:
                    raise ValueError(
                        f"{name}, line {reader.line_num}: malformed CSV ({_cut(str(exc), 80)})"
                    ) from None
                if row and not (len(row) == 1 and not row[0].strip()):
                    yield start, row
    except UnicodeDecodeError as exc:
        raise ValueError(f"{name}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None


def _target_index(name: str, target: int | str, names: list[str] | None, n_cols: int) -> int:
    """The 0-based index of the target column, or a ValueError saying why there is none."""
    if isinstance(target, int):
        if not -n_cols <= target < n_cols:
            raise ValueError(
                f"load_csv: target column {target} is out of range: {name} has {n_cols} "
                f"columns (indices 0 to {n_cols - 1}, or -{n_cols} to -1)"
            )
        return target % n_cols
    if names is None:
        raise ValueError(
            f"load_csv: target {_cut(target)} is a column name, but {name} has no header "
            f"row; pass a column index, or header=True if line 1 is a header"
        )
    matches = [j for j, column in enumerate(names) if column == target]
    if not matches:
        known = ", ".join(_cut(column) for column in names[:20])
        more = f" and {len(names) - 20} more" if len(names) > 20 else ""
        raise ValueError(
            f"load_csv: {name} has no column {_cut(target)} (columns: {known}{more})"
        )
    if len(matches) > 1:
        raise ValueError(
            f"load_csv: {name} has {len(matches)} columns named {_cut(target)}; pick one by "
            f"index (indices {matches})"
        )
    return matches[0]
