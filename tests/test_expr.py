"""The expression parser: Python's precedence, every function, clear errors, no eval."""

from __future__ import annotations

import ast
import builtins
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_mini.expr as expr_module
from autograd_mini import Value, grad, minimize, numerical_grad
from autograd_mini.expr import (
    CONSTANTS,
    FUNCTIONS,
    MAX_DEPTH,
    BinOp,
    Call,
    Constant,
    Expr,
    Name,
    Number,
    ParseError,
    UnaryOp,
    compile_function,
    evaluate,
    parse,
    variables,
)

# --- precedence and associativity, against Python's own arithmetic ---------------------------
# Each right-hand side is the same text, written as Python code: Python parses and computes it.
PRECEDENCE = [
    ("2 + 3 * 4", 2.0 + 3.0 * 4.0),
    ("(2 + 3) * 4", (2.0 + 3.0) * 4.0),
    ("2 - 3 - 4", 2.0 - 3.0 - 4.0),
    ("2 - (3 - 4)", 2.0 - (3.0 - 4.0)),
    ("2 / 4 / 8", 2.0 / 4.0 / 8.0),
    ("2 / 4 * 8", 2.0 / 4.0 * 8.0),
    ("10 - 2 * 3 / 4", 10.0 - 2.0 * 3.0 / 4.0),
    ("2 ** 3 ** 2", 2.0**3.0**2.0),
    ("(2 ** 3) ** 2", (2.0**3.0) ** 2.0),
    ("-2 ** 2", -(2.0**2.0)),
    ("(-2) ** 2", (-2.0) ** 2.0),
    ("2 ** -1", 2.0**-1.0),
    ("2 ** -3 ** 2", 2.0 ** -(3.0**2.0)),
    ("-2 * 3 + 4", -2.0 * 3.0 + 4.0),
    ("2 * -3", 2.0 * -3.0),
    ("2 - -3", 2.0 - -3.0),
    ("--2", -(-2.0)),  # noqa: B002 - the double sign is the point
    ("-+-2", -(+(-2.0))),
    ("8 / 2 ** 2 * 3", 8.0 / 2.0**2.0 * 3.0),
    ("2 * 3 ** 2", 2.0 * 3.0**2.0),
    ("1 / 3 * 3", 1.0 / 3.0 * 3.0),
    ("0.1 + 0.2 + 0.3", 0.1 + 0.2 + 0.3),
    ("0.1 + (0.2 + 0.3)", 0.1 + (0.2 + 0.3)),
    ("2 ** 0.5", 2.0**0.5),
    ("1e-3 * 1e3", 1e-3 * 1e3),
    (".5 + 5.", 0.5 + 5.0),
    ("1E+2 - 2e0", 1e2 - 2e0),
    ("((((7))))", 7.0),
    ("2*pi", 2.0 * math.pi),
    ("e ** 2", math.e**2.0),
]


@pytest.mark.parametrize(("text", "expected"), PRECEDENCE, ids=[t for t, _ in PRECEDENCE])
def test_precedence_and_associativity_follow_python(text: str, expected: float) -> None:
    """Each expression has the value Python gives the same text, to the last bit."""
    assert evaluate(text).data == expected


def test_signs_and_powers_build_the_python_tree() -> None:
    """-x**2 is -(x**2), ** nests to the right, - and / to the left."""
    x, y, z = Name("x"), Name("y"), Name("z")
    assert parse("-x**2") == UnaryOp("-", BinOp("**", x, Number(2)))
    assert parse("x**y**z") == BinOp("**", x, BinOp("**", y, z))
    assert parse("x - y - z") == BinOp("-", BinOp("-", x, y), z)
    assert parse("x / y * z") == BinOp("*", BinOp("/", x, y), z)
    assert parse("x**-y") == BinOp("**", x, UnaryOp("-", y))
    assert parse("-x * y") == BinOp("*", UnaryOp("-", x), y)


# --- random expression trees -------------------------------------------------------------------
# A tree is a tuple: ("num", v), ("var", name), ("const", name), ("paren", t) (redundant
# parentheses), ("neg", t), ("pos", t), ("bin", op, a, b, space), ("call", f, t[, slope]).
EXACT_FUNCTIONS: dict[str, Callable[[float], float]] = {
    "exp": math.exp,
    "log": math.log,
    "sqrt": math.sqrt,
    "tanh": math.tanh,
    "sin": math.sin,
    "cos": math.cos,
    "abs": abs,
    "relu": lambda v: v if v > 0.0 else 0.0,
}
VARIABLES = ("x", "y", "z", "w_1")

numbers = st.one_of(
    st.integers(0, 12).map(float),
    st.floats(0.0, 50.0, allow_nan=False, allow_infinity=False),
    st.sampled_from([0.5, 1e-3, 2.5e-7]),
)
leaves = st.one_of(
    numbers.map(lambda v: ("num", v)),
    st.sampled_from(VARIABLES).map(lambda n: ("var", n)),
    st.sampled_from(sorted(CONSTANTS)).map(lambda n: ("const", n)),
)


def _extend(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.tuples(
            st.sampled_from(["+", "-", "*", "/", "**"]), children, children, st.booleans()
        ).map(lambda t: ("bin", *t)),
        st.tuples(st.sampled_from(["neg", "pos", "paren"]), children),
        st.tuples(st.sampled_from(sorted(EXACT_FUNCTIONS)), children).map(lambda t: ("call", *t)),
        st.tuples(children, st.floats(0.0, 1.0)).map(lambda t: ("call", "leaky_relu", *t)),
    )


trees = st.recursive(leaves, _extend, max_leaves=12)
envs = st.fixed_dictionaries(
    {n: st.floats(-3.0, 3.0, allow_nan=False, allow_infinity=False) for n in VARIABLES}
)

_BINDING = {"+": 1, "-": 1, "*": 2, "/": 2}  # then signs 3, ** 4, atoms 5


def to_text(tree: Any) -> tuple[str, int]:
    """The tree as text with only the parentheses Python needs, and its binding strength."""
    kind = tree[0]
    if kind == "num":
        v = tree[1]
        return (repr(v) if v != int(v) else str(int(v))), 5
    if kind in ("var", "const"):
        return tree[1], 5
    if kind == "paren":
        return f"({to_text(tree[1])[0]})", 5
    if kind in ("neg", "pos"):
        text, b = to_text(tree[1])
        return ("-" if kind == "neg" else "+") + (text if b >= 3 else f"({text})"), 3
    if kind == "call":
        args = [to_text(tree[2])[0]] + ([repr(tree[3])] if len(tree) > 3 else [])
        return f"{tree[1]}({', '.join(args)})", 5
    _, op, a, b, spaced = tree
    (at, ab), (bt, bb) = to_text(a), to_text(b)
    if op == "**":
        left, right, strength = (at if ab > 4 else f"({at})"), (bt if bb >= 3 else f"({bt})"), 4
    else:
        strength = _BINDING[op]
        left = at if ab >= strength else f"({at})"
        right = bt if bb > strength else f"({bt})"
    sep = " " if spaced else ""
    return f"{left}{sep}{op}{sep}{right}", strength


def to_ast(tree: Any) -> Expr:
    """The tree the parser should build for ``to_text(tree)``."""
    kind = tree[0]
    if kind == "num":
        return Number(tree[1])
    if kind == "var":
        return Name(tree[1])
    if kind == "const":
        return Constant(tree[1])
    if kind == "paren":
        return to_ast(tree[1])
    if kind in ("neg", "pos"):
        return UnaryOp("-" if kind == "neg" else "+", to_ast(tree[1]))
    if kind == "call":
        args = [to_ast(tree[2])] + ([Number(tree[3])] if len(tree) > 3 else [])
        return Call(tree[1], tuple(args))
    return BinOp(tree[1], to_ast(tree[2]), to_ast(tree[3]))


def _finite(v: float) -> float:
    if not math.isfinite(v):
        raise OverflowError(v)
    return v


def _float_op(op: str, a: float, b: float) -> float:
    if op == "+":
        return _finite(a + b)
    if op == "-":
        return _finite(a - b)
    if op == "*":
        return _finite(a * b)
    if op == "/":
        return _finite(a / b)
    return _finite(math.pow(a, b))


def direct(tree: Any, env: dict[str, float]) -> float:
    """Evaluate the tree itself on floats (no text involved); raises where f is undefined."""
    kind = tree[0]
    if kind == "num":
        return float(tree[1])
    if kind == "var":
        return env[tree[1]]
    if kind == "const":
        return CONSTANTS[tree[1]]
    if kind == "paren":
        return direct(tree[1], env)
    if kind in ("neg", "pos"):
        v = direct(tree[1], env)
        return -v if kind == "neg" else v
    if kind == "call":
        v = direct(tree[2], env)
        if tree[1] == "leaky_relu":
            return v if v > 0.0 else tree[3] * v
        return _finite(EXACT_FUNCTIONS[tree[1]](v))
    return _float_op(tree[1], direct(tree[2], env), direct(tree[3], env))


def by_hand(tree: Any, leaves: dict[str, Value]) -> Any:
    """The same computation written with Value operators and methods, as a user would."""
    kind = tree[0]
    if kind == "num":
        return float(tree[1])
    if kind == "var":
        return leaves[tree[1]]
    if kind == "const":
        return CONSTANTS[tree[1]]
    if kind == "paren":
        return by_hand(tree[1], leaves)
    if kind in ("neg", "pos"):
        v = by_hand(tree[1], leaves)
        return -v if kind == "neg" else +v
    if kind == "call":
        v = by_hand(tree[2], leaves)
        if not isinstance(v, Value):
            return direct(("call", tree[1], ("num", v), *tree[3:]), {})
        if tree[1] == "leaky_relu":
            return v.leaky_relu(tree[3])
        return abs(v) if tree[1] == "abs" else getattr(v, tree[1])()
    a, b = by_hand(tree[2], leaves), by_hand(tree[3], leaves)
    if not isinstance(a, Value) and not isinstance(b, Value):
        return _float_op(tree[1], a, b)
    return {
        "+": lambda: a + b,
        "-": lambda: a - b,
        "*": lambda: a * b,
        "/": lambda: a / b,
        "**": lambda: a**b,
    }[tree[1]]()


UNDEFINED = (ValueError, ArithmeticError)


@given(trees, envs)
def test_random_expressions_parse_to_their_tree_and_value(tree: Any, env: dict[str, float]) -> None:
    """A random tree printed as text parses back to that tree and evaluates to its value."""
    text = to_text(tree)[0]
    parsed = parse(text)
    assert parsed == to_ast(tree), text
    assert parse(str(parsed)) == parsed  # str() prints it back faithfully
    try:
        expected = direct(tree, env)
    except UNDEFINED:
        with pytest.raises(UNDEFINED):
            evaluate(text, env)
        return
    assert evaluate(text, env).data == expected, text


@given(trees, envs)
def test_gradients_through_parsed_expressions_equal_hand_built_ones(
    tree: Any, env: dict[str, float]
) -> None:
    """Backprop through a parsed expression gives the gradients of the same code by hand."""
    text = to_text(tree)[0]
    hand_leaves = {n: Value(v) for n, v in env.items()}
    parsed_leaves = {n: Value(v) for n, v in env.items()}
    try:
        hand = by_hand(tree, hand_leaves)
    except UNDEFINED:
        with pytest.raises(UNDEFINED):
            evaluate(text, parsed_leaves)
        return
    out = evaluate(text, parsed_leaves)
    if not isinstance(hand, Value):
        assert not variables(text) and out.data == hand
        return
    assert out.data == hand.data
    try:
        hand.backward()
    except UNDEFINED as e:
        with pytest.raises(type(e)):
            out.backward()
        return
    out.backward()
    assert {n: v.grad for n, v in parsed_leaves.items()} == {
        n: v.grad for n, v in hand_leaves.items()
    }


def test_neuron_graph_is_the_hand_built_graph() -> None:
    """tanh(x*w + b) records the same ops, values and gradients as (x*w + b).tanh()."""
    values = {"x": 2.0, "w": -0.25, "b": 1.0}
    mine = {n: Value(v, label=n) for n, v in values.items()}
    hand = {n: Value(v, label=n) for n, v in values.items()}
    y = evaluate("tanh(x*w + b)", mine)
    z = (hand["x"] * hand["w"] + hand["b"]).tanh()
    y.backward()
    z.backward()
    assert (y.op, y.parents[0].op, y.parents[0].parents[0].op) == ("tanh", "add", "mul")
    assert y.data == z.data
    assert [v.grad for v in mine.values()] == [v.grad for v in hand.values()]


def test_constant_subexpressions_are_folded_as_python_folds_them() -> None:
    """Only variables become graph nodes: x**(1+1) is x**2 with a constant exponent."""
    x = Value(-3.0)
    y = evaluate("x**(1+1) * (2*3)", {"x": x})
    y.backward()  # a Value exponent would need log(x) for its own gradient, undefined here
    assert (y.data, x.grad) == (54.0, -36.0)
    assert y.parents[0].op == "pow_const" and y.parents[0].const == 2.0


# --- every function ----------------------------------------------------------------------------
def _sigmoid(v: float) -> float:
    return 1.0 / (1.0 + math.exp(-v))


FUNCTION_CASES = [
    ("exp(x)", 0.7, math.exp(0.7), math.exp(0.7)),
    ("log(x)", 0.7, math.log(0.7), 1 / 0.7),
    ("sqrt(x)", 0.7, math.sqrt(0.7), 0.5 / math.sqrt(0.7)),
    ("tanh(x)", 0.7, math.tanh(0.7), 1 - math.tanh(0.7) ** 2),
    ("sigmoid(x)", 0.7, _sigmoid(0.7), _sigmoid(0.7) * (1 - _sigmoid(0.7))),
    ("relu(x)", 0.7, 0.7, 1.0),
    ("relu(x)", -0.7, 0.0, 0.0),
    ("leaky_relu(x)", -0.7, -0.007, 0.01),
    ("leaky_relu(x, 0.2)", -0.7, -0.14, 0.2),
    ("leaky_relu(x, 1/4)", -0.8, -0.2, 0.25),
    ("softplus(x)", 0.7, math.log1p(math.exp(0.7)), _sigmoid(0.7)),
    ("sin(x)", 0.7, math.sin(0.7), math.cos(0.7)),
    ("cos(x)", 0.7, math.cos(0.7), -math.sin(0.7)),
    ("abs(x)", -0.7, 0.7, -1.0),
]


@pytest.mark.parametrize(("text", "x0", "value", "slope"), FUNCTION_CASES)
def test_every_function_has_its_value_and_derivative(
    text: str, x0: float, value: float, slope: float
) -> None:
    """Each whitelisted function computes its value and its derivative."""
    x = Value(x0)
    y = evaluate(text, {"x": x})
    y.backward()
    assert y.data == pytest.approx(value, rel=1e-12)
    assert x.grad == pytest.approx(slope, rel=1e-12)


def test_every_function_is_tested_and_callable_on_constants() -> None:
    """The table above covers every function, and each also folds on a plain number."""
    assert {t.split("(")[0] for t, *_ in FUNCTION_CASES} == set(FUNCTIONS)
    for name in FUNCTIONS:
        assert evaluate(f"{name}(0.5)").data == evaluate(f"{name}(x)", {"x": 0.5}).data


def test_domain_errors_are_the_engines() -> None:
    """Undefined operations raise the engine's typed, named errors, on constants too."""
    with pytest.raises(ValueError, match="log: argument must be > 0"):
        evaluate("log(x)", {"x": -1.0})
    with pytest.raises(ValueError, match="log: argument must be > 0"):
        evaluate("log(0)")
    with pytest.raises(ZeroDivisionError, match="div"):
        evaluate("1 / (x - x)", {"x": 2.0})
    with pytest.raises(OverflowError, match="exp"):
        evaluate("exp(1000)")
    with pytest.raises(ValueError, match="negative base"):
        evaluate("(-8) ** (1/3)")


# --- errors, with their caret --------------------------------------------------------------------
ERRORS = [
    ("tanh(x*)", 7, "unexpected ')' at position 7"),
    ("", 0, "empty expression"),
    ("   ", 3, "empty expression"),
    ("x y", 2, "unexpected name 'y' at position 2 (is an operator missing?)"),
    ("2 3", 2, "unexpected number '3' at position 2"),
    ("x + ", 4, "unexpected end of expression at position 4"),
    ("x)", 1, "unbalanced parentheses: ')' at position 1 has no matching '('"),
    ("(x + 1", 0, "unbalanced parentheses: '(' at position 0 is never closed"),
    ("tanh(x", 4, "unbalanced parentheses: '(' at position 4 is never closed"),
    ("(x, y)", 2, "unexpected ',' at position 2"),
    ("1.2.3", 0, "invalid number '1.2.3' at position 0 (a number has at most one '.')"),
    ("x + 1e", 4, "invalid number '1e' at position 4 (an exponent needs digits"),
    ("2x", 0, "invalid number '2x' at position 0 (write 2*x for a product)"),
    ("1e999", 0, "number '1e999' at position 0 is too large"),
    ("foo(x)", 0, "unknown function 'foo' at position 0; the functions are exp, log"),
    ("tahn(x)", 0, "unknown function 'tahn' at position 0; did you mean 'tanh'?"),
    ("tanh", 0, "'tanh' is a function: call it as tanh(...)"),
    ("pi(2)", 0, "'pi' is a constant, not a function"),
    ("tanh(x, y)", 8, "tanh() takes 1 argument (got 2)"),
    ("exp()", 4, "exp() takes 1 argument (got 0)"),
    ("leaky_relu(x, 0.1, 2)", 19, "leaky_relu() takes 1 or 2 arguments (got 3)"),
    ("leaky_relu(x, 2*y)", 14, "the slope of leaky_relu() must be a constant (it uses 'y')"),
    ("x ^ 2", 2, "unexpected character '^' at position 2 (use ** for powers)"),
    ("x // 2", 3, "unexpected '/' at position 3"),
    ("x $ 2", 2, "unexpected character '$' at position 2"),
]


@pytest.mark.parametrize(("text", "pos", "message"), ERRORS, ids=[t or "empty" for t, *_ in ERRORS])
def test_errors_say_what_and_show_where(text: str, pos: int, message: str) -> None:
    """Each bad expression raises ParseError at the right position, with a caret under it."""
    with pytest.raises(ParseError) as info:
        parse(text)
    e = info.value
    assert isinstance(e, ValueError)
    assert e.pos == pos and e.text == text
    assert e.message.startswith(message)
    lines = str(e).split("\n")
    assert lines == [e.message, "  " + text, "  " + " " * pos + "^"]


def test_caret_error_matches_the_documented_picture() -> None:
    """str(ParseError) is the message, the text and a caret, exactly as documented."""
    with pytest.raises(ParseError) as info:
        parse("tanh(x*)")
    assert str(info.value) == "unexpected ')' at position 7\n  tanh(x*)\n         ^"


def test_caret_stays_under_the_error_in_a_long_text() -> None:
    """In a long text the caret line shows a window around the error, still aligned."""
    text = " + ".join(["x"] * 60) + " + )"
    with pytest.raises(ParseError) as info:
        parse(text)
    _, shown, caret = str(info.value).split("\n")
    assert len(shown) <= 90 and shown.startswith("  ...")
    assert shown[caret.index("^")] == ")"


def test_unknown_variable_at_evaluation_says_how_to_give_it() -> None:
    """A variable missing from env is a ParseError pointing at it, naming the fix."""
    with pytest.raises(ParseError, match=r"name 'z' has no value; give it as z=\.\.\.") as info:
        evaluate("x + z", {"x": 1.0})
    assert info.value.pos == 4
    with pytest.raises(ParseError, match=r"\(position 4\)"):
        evaluate(parse("x + z"), {"x": 1.0})


def test_nesting_is_capped_with_a_clear_error() -> None:
    """MAX_DEPTH levels of parentheses or calls parse; one more is a ParseError there."""
    for opening, closing in (("(", ")"), ("tanh(", ")"), ("leaky_relu(", ", 0.5)")):
        ok = opening * MAX_DEPTH + "x" + closing * MAX_DEPTH
        assert variables(ok) == ["x"]
        deep = opening * (MAX_DEPTH + 1) + "x" + closing * (MAX_DEPTH + 1)
        with pytest.raises(ParseError, match="too deeply nested") as info:
            parse(deep)
        assert info.value.pos == len(opening) * (MAX_DEPTH + 1) - 1


def test_long_flat_expressions_need_no_recursion() -> None:
    """Long sums and chains of signs or powers parse, print, compare and backprop."""
    total = parse(" + ".join(["x"] * 10_000))
    x = Value(1.0)
    y = evaluate(total, {"x": x})
    y.backward()
    assert (y.data, x.grad) == (10_000.0, 10_000.0)
    assert total == parse(str(total)) and hash(total) == hash(parse(str(total)))
    signs = parse("-" * 5_000 + "x")
    assert evaluate(signs, {"x": 2.0}).data == 2.0
    powers = parse("x" + "**1" * 5_000)
    assert evaluate(powers, {"x": 3.0}).data == 3.0


# --- no eval --------------------------------------------------------------------------------------
INJECTIONS = [
    "__import__('os').system('echo hacked')",
    "__import__",
    "().__class__.__bases__",
    "x.__class__",
    "open('/etc/passwd')",
    "eval('1')",
    "exec('x = 1')",
    "lambda: 1",
    "[1, 2]",
    "{'a': 1}",
    "'text'",
    "x if y else z",
    "x; y",
    "x = 1",
    "x[0]",
    "globals()",
]


@pytest.mark.parametrize("text", INJECTIONS)
def test_python_code_is_rejected_not_run(text: str) -> None:
    """Text that is Python code but not arithmetic is a ParseError (or an unknown name)."""
    with pytest.raises(ParseError):
        evaluate(text, {})


def test_parsing_and_evaluation_never_call_eval(monkeypatch: pytest.MonkeyPatch) -> None:
    """With eval, exec, compile and ast.literal_eval disabled, everything still works."""

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("eval-like function called")

    for name in ("eval", "exec", "compile"):
        monkeypatch.setattr(builtins, name, forbidden)
    monkeypatch.setattr(ast, "literal_eval", forbidden)
    f, names = compile_function("tanh(x*w + b) + 2**-y + sqrt(abs(x)) * pi")
    assert names == ["x", "w", "b", "y"]
    assert evaluate("1 + 2 * 3").data == 7.0
    assert f(1.0, 2.0, 3.0, 1.0).data == pytest.approx(math.tanh(5.0) + 0.5 + math.pi)


def test_module_source_calls_no_eval_like_function() -> None:
    """The parser's source calls no eval, exec, compile (bar re.compile) or literal_eval."""
    source = Path(expr_module.__file__).read_text(encoding="utf-8")
    called = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            f = node.func
            if isinstance(f, ast.Name):
                called.add(f.id)
            elif isinstance(f, ast.Attribute):
                owner = f.value.id if isinstance(f.value, ast.Name) else "?"
                called.add(f"{owner}.{f.attr}")
    assert "re.compile" in called  # the walk does see calls
    forbidden = {"eval", "exec", "compile", "__import__", "ast.literal_eval", "builtins.eval"}
    assert not called & forbidden
    assert not any(c.endswith((".eval", ".exec", ".literal_eval")) for c in called)


# --- the tree and the public helpers ----------------------------------------------------------
def test_variables_in_order_of_first_appearance() -> None:
    """variables() lists each name once, first appearance first, constants excluded."""
    assert variables("y * exp(x) + x * pi + e**y + w") == ["y", "x", "w"]
    assert variables(parse("2 + 3")) == []


def test_evaluate_labels_number_leaves_and_ignores_extra_names() -> None:
    """A number in env becomes a leaf labelled with its name; unused names are ignored."""
    y = evaluate("x * x", {"x": 3.0, "unused": 1.0})
    assert y.data == 9.0 and y.parents[0].label == "x" and y.parents[0] is y.parents[1]
    constant = evaluate("2 * pi")
    assert isinstance(constant, Value) and constant.data == 2 * math.pi
    with pytest.raises(TypeError, match="the value of 'x' is invalid"):
        evaluate("x", {"x": "abc"})  # type: ignore[dict-item]


def test_compile_function_serves_minimize_grad_and_finite_differences() -> None:
    """compile_function gives f(*values) over names, usable by minimize, grad and numerics."""
    f, names = compile_function("(1 - x)**2 + 100*(y - x**2)**2")
    assert names == ["x", "y"]
    assert grad(f, argnums=(0, 1))(0.5, 0.5) == pytest.approx((-51.0, 50.0))
    assert numerical_grad(f, [0.5, 0.5]) == pytest.approx([-51.0, 50.0])
    result = minimize(f, [-1.2, 1.0], method="momentum", lr=1e-3, max_iter=20_000)
    assert result.success and result.x == pytest.approx([1.0, 1.0], abs=1e-3)
    with pytest.raises(TypeError, match=r"takes 2 argument\(s\) \(x, y\), got 1"):
        f(1.0)


def test_nodes_compare_by_structure_and_print_back() -> None:
    """Nodes are equal by structure (not position); str() and repr() rebuild the tree."""
    tree = parse("leaky_relu(-x**2, 0.5) / (y - 1) - 2.5e-07")
    assert tree == parse("leaky_relu( -x ** 2 , .5 )/(y-1)-2.5e-7")
    assert tree != parse("leaky_relu(-x**2, 0.5) / y - 1 - 2.5e-07")
    assert parse(str(tree)) == tree
    assert repr(tree) == f"parse({str(tree)!r})"
    assert (tree.pos, tree.children[0].pos, tree.children[0].children[0].pos) == (33, 23, 0)
    assert len({tree, parse(str(tree))}) == 1


def test_nodes_check_what_they_are_built_from() -> None:
    """Hand-built nodes are checked: finite numbers, real names, known ops and arities."""
    with pytest.raises(ValueError, match="finite"):
        Number(math.inf)
    with pytest.raises(ValueError, match="reserved"):
        Name("pi")
    with pytest.raises(ValueError, match="identifier"):
        Name("x y")
    with pytest.raises(ValueError, match="one of pi, e"):
        Constant("tau")
    with pytest.raises(ValueError, match="op must be"):
        UnaryOp("!", Name("x"))
    with pytest.raises(ValueError, match="op must be"):
        BinOp("%", Name("x"), Name("y"))
    with pytest.raises(ValueError, match="unknown function"):
        Call("system", (Name("x"),))
    with pytest.raises(ValueError, match=r"takes 1 argument \(got 0\)"):
        Call("tanh", ())
    with pytest.raises(ValueError, match="slope .* must be a constant"):
        Call("leaky_relu", (Number(1), Name("x")))
    assert evaluate(BinOp("*", Number(2), Name("x")), {"x": 4.0}).data == 8.0


def test_parse_rejects_non_text() -> None:
    """parse() wants a str; anything else is a TypeError naming the type."""
    with pytest.raises(TypeError, match="expected a str"):
        parse(b"x + 1")  # type: ignore[arg-type]


@pytest.mark.parametrize("text", [
    "1" * 1_000_000 + "e9999",       # a number too large
    "1.2." + "3" * 1_000_000,        # an invalid number
    "x" * 1_000_000 + "(1)",         # an unknown function
    "1 " + "y" * 1_000_000,          # an unexpected name
])
def test_parse_errors_quote_long_tokens_cut_short(text: str) -> None:
    """A token of a million characters is named in a short message, not echoed whole."""
    with pytest.raises(ParseError) as info:
        parse(text)
    assert len(info.value.message) < 400 and "characters)" in info.value.message
    assert len(str(info.value)) < 600  # the caret lines show a window of the text


def test_evaluate_errors_quote_long_names_cut_short() -> None:
    """A variable with a million-character name and no value gets a short message."""
    with pytest.raises(ParseError) as info:
        evaluate(parse("v" * 1_000_000 + " + 1"))
    assert len(info.value.message) < 200 and "give it as NAME=..." in info.value.message
