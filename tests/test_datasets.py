"""Tests for autograd_mini.datasets: generators, train_test_split and load_csv."""

from __future__ import annotations

import doctest
import math
import random
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_mini.datasets
from autograd_mini.datasets import (
    load_csv,
    make_blobs,
    make_moons,
    make_regression,
    make_xor,
    train_test_split,
)

seeds = st.integers(min_value=0, max_value=2**64)
sizes = st.integers(min_value=1, max_value=60)

GENERATORS: dict[str, Callable[..., tuple[object, ...]]] = {
    "make_moons": lambda n, seed: make_moons(n, noise=0.1, seed=seed),
    "make_blobs": lambda n, seed: make_blobs(n, seed=seed),
    "make_regression": lambda n, seed: make_regression(n, 3, noise=0.1, seed=seed),
    "make_xor": lambda n, seed: make_xor(n, noise=0.1, seed=seed),
}


def test_doctests_pass() -> None:
    """Every docstring example in the module runs and prints what it shows."""
    results = doctest.testmod(autograd_mini.datasets)
    assert results.attempted > 0
    assert results.failed == 0


def test_all_names_exist() -> None:
    """Each name in __all__ is defined in the module."""
    for name in autograd_mini.datasets.__all__:
        assert callable(getattr(autograd_mini.datasets, name))


# --- determinism -------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(GENERATORS))
@given(n=sizes, seed=seeds)
def test_same_seed_same_data(name: str, n: int, seed: int) -> None:
    """A generator called twice with the same seed returns identical data."""
    generate = GENERATORS[name]
    assert generate(n, seed) == generate(n, seed)


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_different_seeds_differ(name: str) -> None:
    """Different seeds give different data sets."""
    generate = GENERATORS[name]
    assert generate(50, 0) != generate(50, 1)


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_global_random_state_untouched(name: str) -> None:
    """Generating data (seeded or not) neither reads nor changes the global random state."""
    state = random.getstate()
    GENERATORS[name](20, 3)
    GENERATORS[name](20, None)
    train_test_split(list(range(10)), list(range(10)), seed=None)
    assert random.getstate() == state


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_seed_none_gives_fresh_data(name: str) -> None:
    """seed=None draws fresh data on each call, with the right shape."""
    first, second = GENERATORS[name](30, None), GENERATORS[name](30, None)
    assert first != second
    assert len(first[0]) == len(first[1]) == 30  # type: ignore[arg-type]


def test_known_values_are_pinned() -> None:
    """A seed names the same data everywhere: a few drawn values are pinned to 12 digits."""
    X, y = make_moons(5, noise=0.1, seed=3)
    assert y == [0, 1, 1, 1, 0]
    assert round(X[0][0], 12) == 1.128480193678
    _, _, coef = make_regression(3, 2, seed=0)
    assert [round(c, 9) for c in coef] == [28.18378444, 75.580420416]


# --- make_moons ----------------------------------------------------------------------
@pytest.mark.parametrize("n", [1, 2, 3, 10, 101])
def test_moons_shape_and_balance(n: int) -> None:
    """make_moons gives n two-coordinate rows, n // 2 labelled 0 and the rest 1, as sklearn."""
    X, y = make_moons(n, seed=0)
    assert len(X) == len(y) == n
    assert all(len(row) == 2 and all(type(v) is float for v in row) for row in X)
    assert (y.count(0), y.count(1)) == (n // 2, n - n // 2)


@given(n=sizes, seed=seeds)
def test_moons_noise_free_lie_on_half_circles(n: int, seed: int) -> None:
    """Without noise, label 0 lies on the upper unit half circle, label 1 on the lower one."""
    X, y = make_moons(n, seed=seed)
    for (a, b), label in zip(X, y, strict=True):
        if label == 0:
            assert math.isclose(a * a + b * b, 1.0, abs_tol=1e-12)
            assert b >= 0.0
        else:
            assert math.isclose((a - 1.0) ** 2 + (b - 0.5) ** 2, 1.0, abs_tol=1e-12)
            assert b <= 0.5 + 1e-12


def test_moons_points_are_sklearn_grid() -> None:
    """Without noise the points are exactly sklearn's: t evenly spaced over [0, pi] on each moon."""
    X, y = make_moons(7, seed=5)
    upper = [math.pi * i / 2 for i in range(3)]
    lower = [math.pi * i / 3 for i in range(4)]
    expected = [[math.cos(t), math.sin(t)] for t in upper]
    expected += [[1.0 - math.cos(t), 1.0 - math.sin(t) - 0.5] for t in lower]
    got = sorted(row for row, label in zip(X, y, strict=True) if label == 0)
    got += sorted(row for row, label in zip(X, y, strict=True) if label == 1)
    assert got == sorted(expected[:3]) + sorted(expected[3:])
    assert X != sorted(X)  # shuffled


def test_moons_noise_perturbs_the_same_points() -> None:
    """With the same seed, noisy moons are the noise-free points in the same order plus noise."""
    X0, y0 = make_moons(200, seed=9)
    X1, y1 = make_moons(200, noise=0.05, seed=9)
    assert y0 == y1
    diffs = [p - q for r0, r1 in zip(X0, X1, strict=True) for p, q in zip(r0, r1, strict=True)]
    assert all(d != 0.0 for d in diffs)
    mean = sum(diffs) / len(diffs)
    std = math.sqrt(sum((d - mean) ** 2 for d in diffs) / len(diffs))
    assert abs(mean) < 0.01
    assert 0.04 < std < 0.06


# --- make_blobs ----------------------------------------------------------------------
@given(n=sizes, k=st.integers(1, 6), d=st.integers(1, 4), seed=seeds)
def test_blobs_shape_labels_and_balance(n: int, k: int, d: int, seed: int) -> None:
    """make_blobs gives n rows of n_features, labels in range, counts split as sklearn does."""
    X, y = make_blobs(n, centers=k, n_features=d, seed=seed)
    assert len(X) == len(y) == n
    assert all(len(row) == d for row in X)
    assert set(y) <= set(range(k))
    counts = Counter(y)
    assert [counts[c] for c in range(k)] == [n // k + (c < n % k) for c in range(k)]


def test_blobs_given_centers_with_zero_std_are_exact() -> None:
    """With explicit centers and cluster_std=0 every point is exactly its label's center."""
    centers = [[1.5, -2.0, 0.0], [10.0, 10.0, 10.0]]
    X, y = make_blobs(9, centers=centers, cluster_std=0.0, seed=4)
    assert all(row == centers[label] for row, label in zip(X, y, strict=True))
    assert Counter(y) == {0: 5, 1: 4}


def test_blobs_random_centers_lie_in_box() -> None:
    """Random centers are drawn inside center_box (seen through zero-spread clusters)."""
    X, _ = make_blobs(40, centers=4, n_features=3, cluster_std=0.0, center_box=(2.0, 3.0), seed=1)
    assert all(2.0 <= v <= 3.0 for row in X for v in row)
    assert len({tuple(row) for row in X}) == 4


def test_blobs_spread_matches_cluster_std() -> None:
    """Points scatter around their center with the requested standard deviation."""
    X, _ = make_blobs(2000, centers=[[0.0, 0.0]], cluster_std=2.0, seed=0)
    values = [v for row in X for v in row]
    std = math.sqrt(sum(v * v for v in values) / len(values))
    assert 1.9 < std < 2.1


# --- make_regression -----------------------------------------------------------------
@given(n=sizes, d=st.integers(1, 5), bias=st.floats(-100, 100), seed=seeds)
def test_regression_is_exactly_linear_without_noise(n: int, d: int, bias: float, seed: int) -> None:
    """With noise 0, every target is exactly X . coef + bias for the returned coef."""
    X, y, coef = make_regression(n, d, bias=bias, seed=seed)
    assert len(X) == len(y) == n and len(coef) == d
    assert all(0.0 <= c < 100.0 for c in coef)
    for row, target in zip(X, y, strict=True):
        assert target == math.fsum(x * c for x, c in zip(row, coef, strict=True)) + bias


def test_regression_uses_given_coef() -> None:
    """A given coef is returned as floats and drives y; X does not depend on it."""
    X, y, coef = make_regression(20, 2, coef=[3, -0.5], bias=1.0, seed=7)
    assert coef == [3.0, -0.5] and all(type(c) is float for c in coef)
    assert all(t == math.fsum([3.0 * a, -0.5 * b]) + 1.0 for (a, b), t in zip(X, y, strict=True))
    X_random, _, _ = make_regression(20, 2, seed=7)
    assert X_random == X


def test_regression_noise_only_moves_targets() -> None:
    """Noise changes y (by about its stdev) but neither X nor coef."""
    X0, y0, c0 = make_regression(500, 2, seed=3)
    X1, y1, c1 = make_regression(500, 2, noise=0.5, seed=3)
    assert (X0, c0) == (X1, c1)
    residuals = [b - a for a, b in zip(y0, y1, strict=True)]
    std = math.sqrt(sum(r * r for r in residuals) / len(residuals))
    assert 0.45 < std < 0.55


# --- make_xor ------------------------------------------------------------------------
def test_xor_default_is_the_four_corners() -> None:
    """make_xor() is exactly the truth table of XOR, in order, whatever the seed."""
    corners = ([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], [0, 1, 1, 0])
    assert make_xor() == corners
    assert make_xor(4, seed=123) == corners


@given(n=sizes, seed=seeds)
def test_xor_noisy_points_stay_near_their_corner(n: int, seed: int) -> None:
    """Larger sets cycle through the corners (balanced labels), noise stays near each corner."""
    X, y = make_xor(n, noise=0.01, seed=seed)
    assert y == [(0, 1, 1, 0)[i % 4] for i in range(n)]
    for (a, b), label in zip(X, y, strict=True):
        assert label == (round(a) != round(b))
        assert abs(a - round(a)) < 0.1 and abs(b - round(b)) < 0.1


# --- train_test_split ----------------------------------------------------------------
@given(
    n=st.integers(2, 80),
    test_size=st.one_of(st.floats(0.01, 0.99), st.integers(1, 79)),
    shuffle=st.booleans(),
    seed=seeds,
)
def test_split_sizes_disjoint_and_covering(
    n: int, test_size: float | int, shuffle: bool, seed: int
) -> None:
    """A valid split has the promised sizes, keeps pairs together, and partitions the rows."""
    if isinstance(test_size, int):
        expected = test_size
    else:
        expected = math.ceil(round(test_size * n, 9))
    if not 1 <= expected <= n - 1:
        with pytest.raises(ValueError, match="train_test_split: "):
            train_test_split(list(range(n)), list(range(n)), test_size=test_size)
        return
    X = [[float(i)] for i in range(n)]
    y = [f"label {i}" for i in range(n)]
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=test_size, shuffle=shuffle, seed=seed
    )
    assert len(X_test) == len(y_test) == expected
    assert len(X_train) + len(X_test) == n
    assert sorted(X_train + X_test) == X
    assert all(label == f"label {int(row[0])}" for row, label in zip(X_train, y_train, strict=True))
    assert all(label == f"label {int(row[0])}" for row, label in zip(X_test, y_test, strict=True))
    if not shuffle:
        assert X_train + X_test == X


@pytest.mark.parametrize(
    ("n", "test_size", "n_test"),
    [(4, 0.25, 1), (10, 0.3, 3), (100, 0.07, 7), (10, 0.31, 4), (5, 0.5, 3), (10, 3, 3)],
)
def test_split_test_size_rounds_up(n: int, test_size: float, n_test: int) -> None:
    """A fractional test_size gives ceil(test_size * n) test rows, ignoring float noise."""
    _, X_test, _, _ = train_test_split(list(range(n)), list(range(n)), test_size=test_size)
    assert len(X_test) == n_test


def test_split_is_seeded() -> None:
    """The same seed gives the same split and another seed a different one."""
    data = list(range(50))
    assert train_test_split(data, data, seed=1) == train_test_split(data, data, seed=1)
    assert train_test_split(data, data, seed=1) != train_test_split(data, data, seed=2)


# --- load_csv ------------------------------------------------------------------------
def _write(tmp_path: Path, text: str, name: str = "data.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def test_load_csv_with_header(tmp_path: Path) -> None:
    """A file with a header gives the features, the last column as target, and feature names."""
    path = _write(tmp_path, "x1,x2,label\n0.5,1,1\n-2, 3e-1 ,0\n")
    assert load_csv(path) == ([[0.5, 1.0], [-2.0, 0.3]], [1.0, 0.0], ["x1", "x2"])
    assert load_csv(str(path), header=True) == load_csv(path)


def test_load_csv_without_header(tmp_path: Path) -> None:
    """A headerless file is all data, and its features are named x0, x1, ..."""
    path = _write(tmp_path, "1,2,3\n4,5,6\n")
    expected = ([[1.0, 2.0], [4.0, 5.0]], [3.0, 6.0], ["x0", "x1"])
    assert load_csv(path) == expected
    assert load_csv(path, header=False) == expected


def test_load_csv_target_by_index_or_name(tmp_path: Path) -> None:
    """target picks the label column by index (negative from the end) or by header name."""
    path = _write(tmp_path, "y,a,b\n1,2,3\n4,5,6\n")
    expected = ([[2.0, 3.0], [5.0, 6.0]], [1.0, 4.0], ["a", "b"])
    assert load_csv(path, target=0) == expected
    assert load_csv(path, target=-3) == expected
    assert load_csv(path, target="y") == expected
    assert load_csv(path, target="a")[2] == ["y", "b"]


def test_load_csv_dialect_details(tmp_path: Path) -> None:
    """Other delimiters, CRLF line ends, a UTF-8 BOM, quoted cells and blank lines all work."""
    text = '\ufeffa;b\r\n\r\n"1.5";2\r\n   \r\n3;4\r\n\r\n'
    path = _write(tmp_path, text)
    assert load_csv(path, delimiter=";") == ([[1.5], [3.0]], [2.0, 4.0], ["a"])


def test_load_csv_header_true_keeps_numeric_names(tmp_path: Path) -> None:
    """header=True reads line 1 as names even when they look like numbers."""
    path = _write(tmp_path, "2020,2021\n1,2\n")
    assert load_csv(path, header=True) == ([[1.0]], [2.0], ["2020"])


def _error(path: Path, **kwargs: object) -> str:
    with pytest.raises(ValueError) as info:
        load_csv(path, **kwargs)  # type: ignore[arg-type]
    return str(info.value)


def test_load_csv_ragged_row_names_the_line(tmp_path: Path) -> None:
    """A row with the wrong number of cells is reported with its line and both counts."""
    path = _write(tmp_path, "a,b,c\n1,2,3\n\n4,5\n")
    assert _error(path) == f"{path}, line 4: expected 3 cells, got 2"


def test_load_csv_non_numeric_cell_names_line_column_and_value(tmp_path: Path) -> None:
    """A non-numeric cell is reported with its line, its column's name and its text."""
    path = _write(tmp_path, "x1,x2,y\n1,2,0\n3,4,1\n5,abc,1\n")
    assert _error(path) == f"{path}, line 4, column 'x2': 'abc' is not a number"


def test_load_csv_headerless_error_names_column_index(tmp_path: Path) -> None:
    """Without a header the bad column is named by its 0-based index."""
    path = _write(tmp_path, "1,2,3\n4,5,six\n")
    assert _error(path) == f"{path}, line 2, column index 2: 'six' is not a number"


def test_load_csv_mixed_first_row_suggests_header(tmp_path: Path) -> None:
    """A first row mixing text and numbers is read as data, and the error suggests header=True."""
    path = _write(tmp_path, "x,2020\n1,2\n")
    assert _error(path) == (
        f"{path}, line 1, column index 0: 'x' is not a number "
        "(pass header=True if line 1 is a header)"
    )


def test_load_csv_never_evaluates_cells(tmp_path: Path) -> None:
    """Text that looks like code is rejected as not a number, never run."""
    path = _write(tmp_path, "a,b\n1,2\n__import__('os').getcwd(),1\n")
    assert _error(path) == (
        f"{path}, line 3, column 'a': \"__import__('os').getcwd()\" is not a number"
    )


@pytest.mark.parametrize("cell", ["nan", "inf", "-Infinity", "NaN"])
def test_load_csv_rejects_non_finite(tmp_path: Path, cell: str) -> None:
    """NaN and infinities are rejected with the line, column and cell."""
    path = _write(tmp_path, f"a,b\n1,2\n{cell},3\n")
    assert _error(path) == f"{path}, line 3, column 'a': {cell!r} is not a finite number"


def test_load_csv_empty_cell(tmp_path: Path) -> None:
    """An empty cell is reported as such, with line and column."""
    path = _write(tmp_path, "a,b\n1, \n")
    assert _error(path) == f"{path}, line 2, column 'b': empty cell"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "{path}: the file is empty"),
        ("\n\n  \n", "{path}: the file is empty"),
        ("a,b\n", "{path}: no data rows after the header on line 1"),
        ("a\n1\n", "{path}, line 1: expected at least 2 columns (features and a target), got 1"),
        ('a,b\n1,"2\n', "{path}, line 2: malformed CSV"),
    ],
)
def test_load_csv_unusable_files(tmp_path: Path, text: str, message: str) -> None:
    """Empty, header-only, one-column and malformed files fail with a message naming the file."""
    path = _write(tmp_path, text)
    assert _error(path).startswith(message.format(path=path))


def test_load_csv_multiline_cell_keeps_line_numbers(tmp_path: Path) -> None:
    """Line numbers count physical lines even after a quoted cell spanning two of them."""
    path = _write(tmp_path, 'a,b\n"1\n",2\n3,x\n')
    assert _error(path) == f"{path}, line 4, column 'b': 'x' is not a number"


def test_load_csv_not_utf8(tmp_path: Path) -> None:
    """A file that is not UTF-8 fails with a ValueError naming it."""
    path = tmp_path / "latin1.csv"
    path.write_bytes("a,b\n1,\xe9\n".encode("latin-1"))
    assert _error(path).startswith(f"{path}: not UTF-8 text")


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("z", "load_csv: {path} has no column 'z' (columns: 'a', 'b', 'a')"),
        ("a", "load_csv: {path} has 2 columns named 'a'; pick one by index (indices [0, 2])"),
        (3, "load_csv: target column 3 is out of range: {path} has 3 columns"),
        (-4, "load_csv: target column -4 is out of range: {path} has 3 columns"),
    ],
)
def test_load_csv_unknown_target(tmp_path: Path, target: int | str, message: str) -> None:
    """A target that names no single column is reported with the file and the columns it has."""
    path = _write(tmp_path, "a,b,a\n1,2,3\n")
    assert _error(path, target=target).startswith(message.format(path=path))


def test_load_csv_target_name_needs_header(tmp_path: Path) -> None:
    """A target name for a headerless file explains that there are no names."""
    path = _write(tmp_path, "1,2\n3,4\n")
    assert "has no header row" in _error(path, target="y")


def test_load_csv_missing_file(tmp_path: Path) -> None:
    """A missing file raises FileNotFoundError."""
    with pytest.raises(FileNotFoundError):
        load_csv(tmp_path / "nope.csv")


# --- argument checking -----------------------------------------------------------------
BAD_ARGUMENTS: list[tuple[Callable[[], object], type[Exception], str]] = [
    (lambda: make_moons(-3), ValueError, "make_moons: n_samples must be a positive int (got -3)"),
    (lambda: make_moons(0), ValueError, "make_moons: n_samples must be a positive int (got 0)"),
    (
        lambda: make_moons(2.5),  # type: ignore[arg-type]
        TypeError,
        "make_moons: n_samples must be a positive int (got 2.5, a float)",
    ),
    (
        lambda: make_moons(True),
        TypeError,
        "make_moons: n_samples must be a positive int (got True, a bool)",
    ),
    (
        lambda: make_moons(noise=-0.1),
        ValueError,
        "make_moons: noise must be a finite number >= 0 (got -0.1)",
    ),
    (
        lambda: make_moons(noise=math.inf),
        ValueError,
        "make_moons: noise must be a finite number >= 0 (got inf)",
    ),
    (
        lambda: make_moons(noise="0.1"),  # type: ignore[arg-type]
        TypeError,
        "make_moons: noise must be a finite number >= 0 (got '0.1', a str)",
    ),
    (
        lambda: make_moons(seed=-1),
        ValueError,
        "make_moons: seed must be an int >= 0 or None (got -1)",
    ),
    (
        lambda: make_moons(seed=1.0),  # type: ignore[arg-type]
        TypeError,
        "make_moons: seed must be an int >= 0 or None (got 1.0, a float)",
    ),
    (lambda: make_blobs(0), ValueError, "make_blobs: n_samples must be a positive int (got 0)"),
    (
        lambda: make_blobs(centers=0),
        ValueError,
        "make_blobs: centers must be a positive int (got 0)",
    ),
    (
        lambda: make_blobs(centers="abc"),  # type: ignore[arg-type]
        TypeError,
        "make_blobs: centers must be a positive int or a list of center coordinates "
        "(got 'abc', a str)",
    ),
    (lambda: make_blobs(centers=[]), ValueError, "make_blobs: centers must not be empty"),
    (
        lambda: make_blobs(centers=[[0.0, 0.0], [1.0]]),
        ValueError,
        "make_blobs: every center needs the same number of coordinates "
        "(centers[0] has 2, centers[1] has 1)",
    ),
    (
        lambda: make_blobs(centers=[[0.0, "1"]]),  # type: ignore[list-item]
        TypeError,
        "make_blobs: centers[0][1] must be a finite number (got '1', a str)",
    ),
    (
        lambda: make_blobs(centers=[[0.0, 0.0]], n_features=3),
        ValueError,
        "make_blobs: n_features is 3 but the centers have 2 coordinates",
    ),
    (
        lambda: make_blobs(n_features=0),
        ValueError,
        "make_blobs: n_features must be a positive int (got 0)",
    ),
    (
        lambda: make_blobs(cluster_std=-1.0),
        ValueError,
        "make_blobs: cluster_std must be a finite number >= 0 (got -1.0)",
    ),
    (
        lambda: make_blobs(center_box=(1.0, -1.0)),
        ValueError,
        "make_blobs: center_box must have low <= high (got (1.0, -1.0))",
    ),
    (
        lambda: make_blobs(center_box=5.0),  # type: ignore[arg-type]
        TypeError,
        "make_blobs: center_box must be a pair (low, high) (got 5.0, a float)",
    ),
    (
        lambda: make_regression(n_features=0),
        ValueError,
        "make_regression: n_features must be a positive int (got 0)",
    ),
    (
        lambda: make_regression(noise=-1),
        ValueError,
        "make_regression: noise must be a finite number >= 0 (got -1)",
    ),
    (
        lambda: make_regression(bias=math.nan),
        ValueError,
        "make_regression: bias must be a finite number (got nan)",
    ),
    (
        lambda: make_regression(n_features=2, coef=[1.0]),
        ValueError,
        "make_regression: coef must have n_features=2 entries (got 1)",
    ),
    (
        lambda: make_regression(coef=2.0),  # type: ignore[arg-type]
        TypeError,
        "make_regression: coef must be a list or tuple of numbers (got 2.0, a float)",
    ),
    (lambda: make_xor(-1), ValueError, "make_xor: n_samples must be a positive int (got -1)"),
    (
        lambda: make_xor(noise=-2.0),
        ValueError,
        "make_xor: noise must be a finite number >= 0 (got -2.0)",
    ),
    (
        lambda: train_test_split([1, 2, 3], [1, 2]),
        ValueError,
        "train_test_split: X and y must have the same length (got 3 and 2)",
    ),
    (
        lambda: train_test_split([1], [1]),
        ValueError,
        "train_test_split: need at least 2 samples to split (got 1)",
    ),
    (
        lambda: train_test_split([1, 2], [1, 2], test_size=1.5),
        ValueError,
        "train_test_split: a float test_size must be in (0, 1) (got 1.5)",
    ),
    (
        lambda: train_test_split([1, 2], [1, 2], test_size=0.0),
        ValueError,
        "train_test_split: a float test_size must be in (0, 1) (got 0.0)",
    ),
    (
        lambda: train_test_split([1, 2, 3], [1, 2, 3], test_size=3),
        ValueError,
        "train_test_split: an int test_size must be between 1 and 2 for 3 samples (got 3)",
    ),
    (
        lambda: train_test_split([1, 2, 3], [1, 2, 3], test_size=0.9),
        ValueError,
        "train_test_split: test_size=0.9 of 3 samples leaves no training samples",
    ),
    (
        lambda: train_test_split([1, 2], [1, 2], test_size="0.5"),  # type: ignore[arg-type]
        TypeError,
        "train_test_split: test_size must be a float in (0, 1) or an int count (got '0.5', a str)",
    ),
    (
        lambda: train_test_split([1, 2], [1, 2], test_size=True),
        TypeError,
        "train_test_split: test_size must be a float in (0, 1) or an int count (got True, a bool)",
    ),
    (
        lambda: train_test_split("abc", [1, 2, 3]),
        TypeError,
        "train_test_split: X must be a list or other sequence (got 'abc', a str)",
    ),
    (
        lambda: train_test_split([1, 2], [1, 2], shuffle="yes"),  # type: ignore[arg-type]
        TypeError,
        "train_test_split: shuffle must be True or False (got 'yes', a str)",
    ),
    (
        lambda: train_test_split([1, 2], [1, 2], seed=-5),
        ValueError,
        "train_test_split: seed must be an int >= 0 or None (got -5)",
    ),
    (
        lambda: load_csv(3),  # type: ignore[arg-type]
        TypeError,
        "load_csv: path must be a str or path-like (got 3, an int)",
    ),
    (
        lambda: load_csv("x.csv", target=1.0),  # type: ignore[arg-type]
        TypeError,
        "load_csv: target must be a column index or name (got 1.0, a float)",
    ),
    (
        lambda: load_csv("x.csv", header="yes"),  # type: ignore[arg-type]
        ValueError,
        "load_csv: header must be True, False or 'auto' (got 'yes', a str)",
    ),
    (
        lambda: load_csv("x.csv", header=1),  # type: ignore[arg-type]
        TypeError,
        "load_csv: header must be True, False or 'auto' (got 1, an int)",
    ),
    (
        lambda: load_csv("x.csv", delimiter=";;"),
        ValueError,
        "load_csv: delimiter must be one character other than a quote or newline (got ';;')",
    ),
]


@pytest.mark.parametrize(("call", "error", "message"), BAD_ARGUMENTS)
def test_bad_arguments_raise_clear_errors(
    call: Callable[[], object], error: type[Exception], message: str
) -> None:
    """Each bad argument raises the right exception type naming the function, argument and value."""
    with pytest.raises(error, match=re.escape(message)):
        call()


# --- issue 8: finite arguments give finite data; long tokens stay short in errors ----------
huge = st.floats(allow_nan=False, allow_infinity=False) | st.sampled_from(
    [1e308, -1e308, 1.7976931348623157e308, 5e306, 6e306, 4e307, 5e307, 5e-324]
)

# Every float argument of every generator, as a call taking that argument's value.
EXTREME_CALLS: dict[str, tuple[str, Callable[[float, int], tuple[object, ...]]]] = {
    "moons noise": ("noise", lambda v, s: make_moons(20, noise=abs(v), seed=s)),
    "xor noise": ("noise", lambda v, s: make_xor(20, noise=abs(v), seed=s)),
    "blobs cluster_std": ("cluster_std", lambda v, s: make_blobs(20, cluster_std=abs(v), seed=s)),
    "blobs center_box": ("center_box|cluster_std",
                         lambda v, s: make_blobs(20, center_box=(-abs(v), abs(v)),
                                                 cluster_std=abs(v), seed=s)),
    "blobs centers": ("centers", lambda v, s: make_blobs(20, centers=[[v, -v], [-v, v]],
                                                         cluster_std=1e306, seed=s)),
    "regression noise": ("noise", lambda v, s: make_regression(20, 2, noise=abs(v), seed=s)),
    "regression bias": ("bias", lambda v, s: make_regression(20, 2, bias=v, noise=5e306,
                                                             seed=s)),
    "regression coef": ("coef", lambda v, s: make_regression(20, 3, coef=[v, -v, v],
                                                             bias=4e307, noise=5e306, seed=s)),
}


def _all_finite(data: object) -> bool:
    if isinstance(data, (list, tuple)):
        return all(_all_finite(d) for d in data)
    return not isinstance(data, float) or math.isfinite(data)


@pytest.mark.parametrize("case", sorted(EXTREME_CALLS))
@given(value=huge, seed=st.integers(0, 2**32))
def test_finite_arguments_never_give_infinite_data(case: str, value: float, seed: int) -> None:
    """Any finite argument gives all-finite data, or a ValueError naming generator and argument."""
    argument, call = EXTREME_CALLS[case]
    try:
        data = call(value, seed)
    except ValueError as e:
        assert re.match(rf"make_\w+: ({argument})\b", str(e)), str(e)
    else:
        assert _all_finite(data)


def test_noise_of_1e308_is_a_value_error_naming_the_generator() -> None:
    """make_moons(noise=1e308) used to return rows like [inf, -inf]; now it says why not."""
    with pytest.raises(ValueError, match=r"make_moons: noise must be at most .* \(got 1e\+308\)"):
        make_moons(100, noise=1e308, seed=0)


def test_extreme_sweep_covers_every_float_argument() -> None:
    """The sweep above names every float argument (noise, std, box, centers, bias, coef)."""
    import inspect

    floats = {
        (gen.__name__, p.name)
        for gen in (make_moons, make_blobs, make_regression, make_xor)
        for p in inspect.signature(gen).parameters.values()
        if p.name not in ("n_samples", "n_features", "seed")
    }
    swept = {("make_" + k.split()[0], arg.split("|")[0]) for k, (arg, _) in EXTREME_CALLS.items()}
    assert floats == swept


@pytest.mark.parametrize("cell", ["9" * 100_000, "x" * 130_000, "-1e" + "9" * 100_000])
def test_load_csv_errors_quote_long_cells_cut_short(tmp_path: Path, cell: str) -> None:
    """A 1e6-character literal or a 130 KB cell is named in a short message, not echoed."""
    path = tmp_path / "data.csv"
    path.write_text(f"a,b\n1,2\n3,{cell}\n")
    with pytest.raises(ValueError) as info:
        load_csv(path)
    assert len(str(info.value)) < 200 + len(str(path)) and "line 3" in str(info.value)


def test_load_csv_long_header_names_are_cut_in_errors(tmp_path: Path) -> None:
    """A 100 KB column name appears cut short in an error about that column."""
    path = tmp_path / "data.csv"
    path.write_text("a," + "h" * 100_000 + "\n1,2\n3,x\n")
    with pytest.raises(ValueError, match="characters") as info:
        load_csv(path)
    assert len(str(info.value)) < 300 + len(str(path))


def test_load_csv_streams_rows(tmp_path: Path) -> None:
    """Reading a 0.7 MB file peaks at well under 28x its size (the whole text is never held)."""
    import tracemalloc

    path = tmp_path / "big.csv"
    rows = "\n".join(f"{i * 0.001:.6f},{i % 7}.25,{i % 2}" for i in range(30_000))
    path.write_text("a,b,label\n" + rows + "\n")
    size = path.stat().st_size
    tracemalloc.start()
    try:
        X, y, _ = load_csv(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(X) == 30_000 and y[1] == 1.0
    assert peak < 16 * size, f"peak {peak / size:.1f}x the file size"
