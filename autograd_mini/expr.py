"""A small, safe parser for arithmetic expressions: text in, a ``Value`` graph out.

The grammar is a subset of Python's arithmetic, with Python's precedence::

    expression := term (("+" | "-") term)*
    term       := factor (("*" | "/") factor)*
    factor     := ("+" | "-") factor | power
    power      := atom ["**" factor]              # right-associative; -x**2 is -(x**2)
    atom       := number | name | constant | function "(" arguments ")" | "(" expression ")"

Numbers are written as in Python (``2``, ``0.5``, ``.5``, ``1e-3``); names are ASCII
identifiers; the constants are ``pi`` and ``e``; the functions are the ``Value`` methods
``exp, log, sqrt, tanh, sigmoid, relu, leaky_relu, softplus, sin, cos, abs``
(``leaky_relu(x, slope)`` takes an optional constant slope). Nothing else is accepted.

The text is read by a hand-written tokenizer and a recursive-descent parser; it is never
given to ``eval``, ``exec``, ``compile`` or ``ast``, so no text can run code. The
recursion of the parser follows the nesting of parentheses and calls, which is capped
at :data:`MAX_DEPTH`; everything else (long sums, chains of signs or powers, evaluation,
printing, comparison) is iterative, so no text can exhaust the stack either.

Evaluation follows Python: a sub-expression without variables is computed at once, as
Python computes ``2 * 3`` in ``2 * 3 * x`` (with the engine's checks, so ``1 / 0`` is the
engine's ``ZeroDivisionError``), and only variables become graph nodes. A parsed
expression therefore records the same graph as the same arithmetic written by hand.

Example:
    >>> from autograd_mini import Value
    >>> x, w, b = Value(2.0, label="x"), Value(-0.5, label="w"), Value(1.0, label="b")
    >>> y = evaluate("tanh(x*w + b)", {"x": x, "w": w, "b": b})
    >>> y.backward()
    >>> y.data, round(w.grad, 6)
    (0.0, 2.0)
    >>> parse("-x**2 + 2*x")
    parse('-x**2 + 2 * x')
    >>> variables("(1 - x)**2 + 100*(y - x**2)**2")
    ['x', 'y']
"""

from __future__ import annotations

import difflib
import math
import operator
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from .value import Value, no_grad

__all__ = [
    "BinOp",
    "CONSTANTS",
    "Call",
    "Constant",
    "Expr",
    "FUNCTIONS",
    "MAX_DEPTH",
    "Name",
    "Number",
    "ParseError",
    "UnaryOp",
    "compile_function",
    "evaluate",
    "parse",
    "variables",
]

#: The deepest nesting of parentheses and function calls ``parse`` accepts.
MAX_DEPTH = 200

#: The named constants, by name.
CONSTANTS: Mapping[str, float] = {"pi": math.pi, "e": math.e}


class _Function(NamedTuple):
    min_args: int
    max_args: int
    apply: Callable[..., Value]


_FUNCTIONS: dict[str, _Function] = {
    "exp": _Function(1, 1, Value.exp),
    "log": _Function(1, 1, Value.log),
    "sqrt": _Function(1, 1, Value.sqrt),
    "tanh": _Function(1, 1, Value.tanh),
    "sigmoid": _Function(1, 1, Value.sigmoid),
    "relu": _Function(1, 1, Value.relu),
    "leaky_relu": _Function(1, 2, Value.leaky_relu),  # leaky_relu(x, slope=0.01)
    "softplus": _Function(1, 1, Value.softplus),
    "sin": _Function(1, 1, Value.sin),
    "cos": _Function(1, 1, Value.cos),
    "abs": _Function(1, 1, Value.__abs__),
}

#: The names of the functions an expression may call.
FUNCTIONS: tuple[str, ...] = tuple(_FUNCTIONS)

_BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "**": operator.pow,
}
_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2}  # ** and the signs are handled in _operand
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


# --- errors --------------------------------------------------------------------------------
class ParseError(ValueError):
    """An expression that cannot be parsed or evaluated; ``str()`` shows where, with a caret.

    Attributes:
        message: what is wrong, in one line.
        text: the expression (None when only a parsed tree was at hand).
        pos: the index in ``text`` of the offending character (None if unknown).
    """

    def __init__(self, message: str, text: str | None = None, pos: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.text = text
        self.pos = pos

    def __str__(self) -> str:
        if self.text is None or self.pos is None:
            return self.message
        return f"{self.message}\n{_caret(self.text, self.pos)}"

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.message, self.text, self.pos))


def _quote(token: str, limit: int = 40) -> str:
    """``repr(token)``, cut to about ``limit`` characters: a 10**6-digit literal stays short."""
    if len(token) <= limit:
        return repr(token)
    return repr(token[: limit - 3]) + f"... ({len(token):,} characters)"


def _caret(text: str, pos: int, width: int = 76) -> str:
    """Two indented lines: ``text`` (a window of it, if long) and a caret under ``pos``."""
    # One character of display per character of text, so the caret lines up.
    shown = "".join(c if c.isprintable() else " " for c in text)
    start, end, before, after = 0, len(shown), "", ""
    if len(shown) > width:
        start = max(0, min(pos - width // 2, len(shown) - width))
        end = start + width
        before = "..." if start > 0 else ""
        after = "..." if end < len(shown) else ""
    return f"  {before}{shown[start:end]}{after}\n  {' ' * (len(before) + pos - start)}^"


# --- the tree ------------------------------------------------------------------------------
class Expr:
    """Base class of the parsed tree's nodes.

    Nodes are immutable. ``str()`` gives the expression back as text (with only the
    parentheses it needs), ``repr()`` a ``parse(...)`` call that rebuilds it, and ``==``
    compares structure (positions aside). ``pos`` is the index in the source text of the
    node's number, name or operator (None for a node built by hand).

    Example:
        >>> tree = parse("(x + 1) * y")
        >>> str(tree), tree == parse("(x+1)*y"), tree.children
        ('(x + 1) * y', True, (parse('x + 1'), parse('y')))
    """

    __slots__ = ()
    pos: int | None

    @property
    def children(self) -> tuple[Expr, ...]:
        """The operands, left to right (``()`` for a number, name or constant)."""
        return ()

    def _key(self) -> tuple[Any, ...]:
        """What identifies this node apart from its children (for ``==`` and ``hash``)."""
        raise NotImplementedError

    def _signature(self) -> tuple[Any, ...]:
        return tuple((type(node), node._key()) for node in _postorder(self))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Expr):
            return NotImplemented
        return self._signature() == other._signature()

    def __hash__(self) -> int:
        return hash(self._signature())

    def __str__(self) -> str:
        return _unparse(self)

    def __repr__(self) -> str:
        return f"parse({_unparse(self)!r})"


def _check_pos(node: Expr) -> None:
    if node.pos is not None and (type(node.pos) is not int or node.pos < 0):
        raise ValueError(f"{type(node).__name__}: pos must be an int >= 0 or None")


@dataclass(frozen=True, eq=False, repr=False, slots=True)
class Number(Expr):
    """A number, stored as a finite float.

    Example:
        >>> parse("2.5")
        parse('2.5')
        >>> Number(2).value
        2.0
    """

    value: float
    pos: int | None = None

    def __post_init__(self) -> None:
        v = self.value
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise ValueError(f"Number: value must be a finite int or float (got {v!r})")
        object.__setattr__(self, "value", float(v))
        _check_pos(self)

    def _key(self) -> tuple[Any, ...]:
        return (self.value,)


@dataclass(frozen=True, eq=False, repr=False, slots=True)
class Name(Expr):
    """A variable, given a value at evaluation.

    Example:
        >>> parse("x_1").id
        'x_1'
    """

    id: str
    pos: int | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not _IDENTIFIER.fullmatch(self.id):
            raise ValueError(f"Name: id must be an ASCII identifier (got {self.id!r})")
        if self.id in CONSTANTS or self.id in _FUNCTIONS:
            raise ValueError(f"Name: {self.id!r} is reserved (a constant or a function)")
        _check_pos(self)

    def _key(self) -> tuple[Any, ...]:
        return (self.id,)


@dataclass(frozen=True, eq=False, repr=False, slots=True)
class Constant(Expr):
    """A named constant: ``pi`` or ``e``.

    Example:
        >>> parse("2*pi").children[1]
        parse('pi')
        >>> Constant("e").value == math.e
        True
    """

    name: str
    pos: int | None = None

    def __post_init__(self) -> None:
        if self.name not in CONSTANTS:
            raise ValueError(f"Constant: name must be one of {', '.join(CONSTANTS)}")
        _check_pos(self)

    @property
    def value(self) -> float:
        """The constant's value."""
        return CONSTANTS[self.name]

    def _key(self) -> tuple[Any, ...]:
        return (self.name,)


@dataclass(frozen=True, eq=False, repr=False, slots=True)
class UnaryOp(Expr):
    """A sign: ``-operand`` or ``+operand``.

    Example:
        >>> tree = parse("-x**2")  # the sign applies to the power, as in Python
        >>> tree.op, tree.operand
        ('-', parse('x**2'))
    """

    op: str
    operand: Expr
    pos: int | None = None

    def __post_init__(self) -> None:
        if self.op not in ("+", "-"):
            raise ValueError(f"UnaryOp: op must be '+' or '-' (got {self.op!r})")
        if not isinstance(self.operand, Expr):
            raise TypeError(f"UnaryOp: operand must be an Expr (got {self.operand!r})")
        _check_pos(self)

    @property
    def children(self) -> tuple[Expr, ...]:
        return (self.operand,)

    def _key(self) -> tuple[Any, ...]:
        return (self.op,)


@dataclass(frozen=True, eq=False, repr=False, slots=True)
class BinOp(Expr):
    """A binary operation: ``left op right`` with ``op`` one of ``+ - * / **``.

    Example:
        >>> tree = parse("a - b - c")  # left-associative, as in Python
        >>> tree.op, tree.left, tree.right
        ('-', parse('a - b'), parse('c'))
        >>> parse("a**b**c").right  # ** is right-associative
        parse('b**c')
    """

    op: str
    left: Expr
    right: Expr
    pos: int | None = None

    def __post_init__(self) -> None:
        if self.op not in _BINARY:
            raise ValueError(f"BinOp: op must be one of {' '.join(_BINARY)} (got {self.op!r})")
        if not (isinstance(self.left, Expr) and isinstance(self.right, Expr)):
            raise TypeError("BinOp: left and right must be Expr nodes")
        _check_pos(self)

    @property
    def children(self) -> tuple[Expr, ...]:
        return (self.left, self.right)

    def _key(self) -> tuple[Any, ...]:
        return (self.op,)


@dataclass(frozen=True, eq=False, repr=False, slots=True)
class Call(Expr):
    """A call of one of the :data:`FUNCTIONS`.

    Example:
        >>> tree = parse("leaky_relu(x, 0.1)")
        >>> tree.func, tree.args
        ('leaky_relu', (parse('x'), parse('0.1')))
    """

    func: str
    args: tuple[Expr, ...]
    pos: int | None = None

    def __post_init__(self) -> None:
        spec = _FUNCTIONS.get(self.func)
        if spec is None:
            raise ValueError(f"Call: unknown function {self.func!r}")
        object.__setattr__(self, "args", tuple(self.args))
        if not spec.min_args <= len(self.args) <= spec.max_args:
            raise ValueError(f"Call: {_arity(self.func, len(self.args))}")
        if not all(isinstance(a, Expr) for a in self.args):
            raise TypeError("Call: args must be Expr nodes")
        for arg in self.args[1:]:  # leaky_relu's slope is a constant of the op, not an input
            names = variables(arg)
            if names:
                raise ValueError(
                    f"Call: the slope of {self.func}() must be a constant (it uses {names[0]!r})"
                )
        _check_pos(self)

    @property
    def children(self) -> tuple[Expr, ...]:
        return self.args

    def _key(self) -> tuple[Any, ...]:
        return (self.func, len(self.args))


def _arity(func: str, got: int) -> str:
    spec = _FUNCTIONS[func]
    if spec.min_args == spec.max_args:
        wanted = f"{spec.min_args} argument{'s' if spec.min_args != 1 else ''}"
    else:
        wanted = f"{spec.min_args} or {spec.max_args} arguments"
    return f"{func}() takes {wanted} (got {got})"


def _postorder(root: Expr) -> list[Expr]:
    """Every node of ``root``, each after its children, children left to right (no recursion)."""
    order: list[Expr] = []
    stack: list[tuple[Expr, bool]] = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        kids = node.children
        if expanded or not kids:
            order.append(node)
        else:
            stack.append((node, True))
            stack.extend((kid, False) for kid in reversed(kids))
    return order


# Binding strength for printing: a sub-expression weaker than its slot needs parentheses.
_SUM, _PRODUCT, _SIGNED, _POWER, _ATOM = 1, 2, 3, 4, 5


def _unparse(root: Expr) -> str:
    """The expression as text, with only the parentheses Python's precedence needs."""
    done: list[tuple[str, int]] = []  # (text, binding strength) of finished sub-trees
    for node in _postorder(root):
        if isinstance(node, Number):
            v = node.value
            text = str(int(v)) if v.is_integer() and abs(v) < 1e16 else repr(v)
            done.append((text, _SIGNED if text.startswith("-") else _ATOM))
        elif isinstance(node, Name):
            done.append((node.id, _ATOM))
        elif isinstance(node, Constant):
            done.append((node.name, _ATOM))
        elif isinstance(node, UnaryOp):
            text, strength = done.pop()
            done.append((node.op + (text if strength >= _SIGNED else f"({text})"), _SIGNED))
        elif isinstance(node, BinOp):
            (lt, ls), (rt, rs) = done[-2], done[-1]
            del done[-2:]
            if node.op == "**":  # right-associative; a signed exponent needs no parentheses
                left = lt if ls > _POWER else f"({lt})"
                right = rt if rs >= _SIGNED else f"({rt})"
                done.append((f"{left}**{right}", _POWER))
            else:
                strength = _PRECEDENCE[node.op]
                left = lt if ls >= strength else f"({lt})"
                right = rt if rs > strength else f"({rt})"
                done.append((f"{left} {node.op} {right}", strength))
        elif isinstance(node, Call):
            n = len(node.args)
            args = ", ".join(text for text, _ in done[len(done) - n :])
            del done[len(done) - n :]
            done.append((f"{node.func}({args})", _ATOM))
        else:
            raise TypeError(f"not an expression node: {node!r}")
    return done[0][0]


# --- the tokenizer -------------------------------------------------------------------------
class _Token(NamedTuple):
    kind: str  # "number", "name", "op" or "end"
    text: str
    pos: int
    value: float = 0.0


_NUMBER = re.compile(r"(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_NUMBER_TAIL = re.compile(r"[\w.]+")
_SPACE = re.compile(r"\s*")
_OPERATORS = ("**", "+", "-", "*", "/", "(", ")", ",")
_HINTS = {
    "^": " (use ** for powers)",
    "=": " (an expression has no assignments)",
}


def _tokens(text: str) -> Iterator[_Token]:
    """The tokens of ``text``, ending with an ``end`` token; ParseError at a bad character."""
    i, n = 0, len(text)
    while True:
        i = _SPACE.match(text, i).end()  # type: ignore[union-attr]  # \s* always matches
        if i >= n:
            yield _Token("end", "", n)
            return
        c = text[i]
        m = _NUMBER.match(text, i)
        if m is not None:
            yield _number(text, i, m.end())
            i = m.end()
            continue
        m = _IDENTIFIER.match(text, i)
        if m is not None:
            yield _Token("name", m.group(), i)
            i = m.end()
            continue
        for op in _OPERATORS:
            if text.startswith(op, i):
                yield _Token("op", op, i)
                i += len(op)
                break
        else:
            raise ParseError(
                f"unexpected character {c!r} at position {i}{_HINTS.get(c, '')}", text, i
            )


def _is_tail(text: str, j: int) -> bool:
    return j < len(text) and (text[j] == "." or text[j] == "_" or text[j].isalnum())


def _number(text: str, start: int, end: int) -> _Token:
    """The number token at ``text[start:end]``, or ParseError if it runs on (``1.2.3``)."""
    if _is_tail(text, end):
        tail = _NUMBER_TAIL.match(text, end).group()  # type: ignore[union-attr]
        bad = text[start:end] + tail
        if "." in tail:
            hint = " (a number has at most one '.')"
        elif tail[0] in "eE":
            hint = " (an exponent needs digits, as in 1e-3)"
        elif "_" in tail:
            hint = " (write numbers without '_')"
        elif tail[0].isalpha() and _IDENTIFIER.fullmatch(tail) and not bad.startswith("0x"):
            hint = f" (write {text[start:end]}*{tail} for a product)"
        else:
            hint = ""
        raise ParseError(f"invalid number {_quote(bad)} at position {start}{hint}", text, start)
    literal = text[start:end]
    value = float(literal)  # the literal matched _NUMBER, so float() accepts it
    if not math.isfinite(value):
        raise ParseError(f"number {_quote(literal)} at position {start} is too large", text, start)
    return _Token("number", literal, start, value)


# --- the parser ----------------------------------------------------------------------------
class _Parser:
    """Recursive descent over a one-token lookahead; recursion only for ``(`` and calls."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokens(text)
        self.tok = next(self.tokens)
        self.depth = 0

    def advance(self) -> _Token:
        tok = self.tok
        if tok.kind != "end":
            self.tok = next(self.tokens)
        return tok

    def at(self, *ops: str) -> bool:
        return self.tok.kind == "op" and self.tok.text in ops

    def error(self, message: str, pos: int) -> ParseError:
        return ParseError(message, self.text, pos)

    def unexpected(self, *, want_operand: bool) -> ParseError:
        tok = self.tok
        if tok.kind == "end":
            return self.error(
                f"unexpected end of expression at position {tok.pos} "
                "(expected a number, a name or '(')",
                tok.pos,
            )
        if tok.kind == "op":
            if tok.text == ")" and not want_operand and self.depth == 0:
                return self.error(
                    f"unbalanced parentheses: ')' at position {tok.pos} has no matching '('",
                    tok.pos,
                )
            hint = " (is an operator missing?)" if tok.text == "(" and not want_operand else ""
            return self.error(f"unexpected {_quote(tok.text)} at position {tok.pos}{hint}", tok.pos)
        hint = "" if want_operand else " (is an operator missing?)"
        message = f"unexpected {tok.kind} {_quote(tok.text)} at position {tok.pos}{hint}"
        return self.error(message, tok.pos)

    def parse(self) -> Expr:
        if self.tok.kind == "end":
            raise self.error("empty expression", self.tok.pos)
        tree = self.expression()
        if self.tok.kind != "end":
            raise self.unexpected(want_operand=False)
        return tree

    def expression(self) -> Expr:
        """Sums and products, with an operator stack: no recursion per operator."""
        operands = [self.operand()]
        pending: list[_Token] = []
        while self.at(*_PRECEDENCE):
            op = self.advance()
            while pending and _PRECEDENCE[pending[-1].text] >= _PRECEDENCE[op.text]:
                self._reduce(operands, pending.pop())
            pending.append(op)
            operands.append(self.operand())
        while pending:
            self._reduce(operands, pending.pop())
        return operands[0]

    @staticmethod
    def _reduce(operands: list[Expr], op: _Token) -> None:
        right = operands.pop()
        operands[-1] = BinOp(op.text, operands[-1], right, op.pos)

    def operand(self) -> Expr:
        """Signs and a chain of powers, ``-a ** -b ** c``, folded from the right."""
        chain: list[tuple[list[_Token], Expr, int]] = []  # (signs, atom, position of ** before)
        star = -1
        while True:
            signs = []
            while self.at("+", "-"):
                signs.append(self.advance())
            chain.append((signs, self.atom(), star))
            if not self.at("**"):
                break
            star = self.advance().pos
        signs, tree, star = chain.pop()
        while True:
            for sign in reversed(signs):
                tree = UnaryOp(sign.text, tree, sign.pos)
            if not chain:
                return tree
            signs, base, below = chain.pop()
            tree, star = BinOp("**", base, tree, star), below

    def atom(self) -> Expr:
        """A number, name or constant; or a parenthesised group or call (the only recursion)."""
        tok = self.tok
        if tok.kind == "number":
            self.advance()
            return Number(tok.value, tok.pos)
        if tok.kind == "name":
            self.advance()
            if not self.at("("):
                return self.name(tok)
            self.check_callable(tok)
        elif not self.at("("):
            raise self.unexpected(want_operand=True)
        # Here the parser recurses: a group "(...)" or the arguments of the call "tok(...)".
        call = tok.kind == "name"
        opening = self.tok
        self.enter()
        args: list[Expr] = []
        starts: list[int] = []
        if not (call and self.at(")")):
            while True:
                starts.append(self.tok.pos)
                args.append(self.expression())
                if not (call and self.at(",")):
                    break
                self.advance()
        closing = self.close(opening)
        return self.checked_call(tok, args, starts, closing.pos) if call else args[0]

    def name(self, tok: _Token) -> Expr:
        if tok.text in CONSTANTS:
            return Constant(tok.text, tok.pos)
        if tok.text in _FUNCTIONS:
            raise self.error(
                f"{_quote(tok.text)} is a function: call it as {tok.text}(...)", tok.pos
            )
        return Name(tok.text, tok.pos)

    def check_callable(self, tok: _Token) -> None:
        if tok.text in CONSTANTS:
            raise self.error(f"{_quote(tok.text)} is a constant, not a function", tok.pos)
        if tok.text not in _FUNCTIONS:
            close = difflib.get_close_matches(tok.text, FUNCTIONS, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise self.error(
                f"unknown function {_quote(tok.text)} at position {tok.pos}; {hint}"
                f"the functions are {', '.join(FUNCTIONS)}",
                tok.pos,
            )

    def checked_call(self, tok: _Token, args: list[Expr], starts: list[int], end: int) -> Expr:
        func = tok.text
        spec = _FUNCTIONS[func]
        if len(args) > spec.max_args:
            raise self.error(_arity(func, len(args)), starts[spec.max_args])
        if len(args) < spec.min_args:
            raise self.error(_arity(func, len(args)), end)
        if len(args) > 1:  # leaky_relu's slope is a constant of the op, not a graph input
            names = variables(args[1])
            if names:
                raise self.error(
                    f"the slope of {func}() must be a constant (it uses {names[0]!r})", starts[1]
                )
        return Call(func, tuple(args), tok.pos)

    def enter(self) -> None:
        """Step into ``(``: one level deeper, within :data:`MAX_DEPTH`."""
        opening = self.advance()
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(
                f"too deeply nested at position {opening.pos} "
                f"(more than {MAX_DEPTH} levels of parentheses and calls)",
                opening.pos,
            )

    def close(self, opening: _Token) -> _Token:
        """Step out of the ``(`` at ``opening``: expect its ``)``."""
        if self.at(")"):
            self.depth -= 1
            return self.advance()
        if self.tok.kind == "end":
            raise self.error(
                f"unbalanced parentheses: '(' at position {opening.pos} is never closed",
                opening.pos,
            )
        raise self.unexpected(want_operand=False)


# --- the public functions ------------------------------------------------------------------
def parse(text: str) -> Expr:
    """Parse an arithmetic expression into a tree of :class:`Expr` nodes.

    Args:
        text: the expression, e.g. ``"tanh(x*w + b)"`` (see the module docstring for
            the grammar).

    Returns:
        The root node.

    Raises:
        ParseError: the text is not a valid expression; ``str()`` of the error shows the
            text with a caret under the offending character.
        TypeError: ``text`` is not a str.

    Example:
        >>> parse("2**3**2").right, parse("-x**2").op
        (parse('3**2'), '-')
        >>> parse("tanh(x*)")
        Traceback (most recent call last):
        ...
        autograd_mini.expr.ParseError: unexpected ')' at position 7
          tanh(x*)
                 ^
    """
    if not isinstance(text, str):
        raise TypeError(f"parse: expected a str (got {type(text).__name__})")
    try:
        return _Parser(text).parse()
    except RecursionError:  # only if the caller is already deep in the stack
        raise ParseError("expression too deeply nested for the remaining stack", text, 0) from None


def variables(expr: Expr | str) -> list[str]:
    """The variable names of an expression, in order of first appearance.

    Constants (``pi``, ``e``) and function names are not variables.

    Args:
        expr: a parsed tree or the text of an expression.

    Returns:
        Each name once.

    Example:
        >>> variables("y * exp(x) + x * pi")
        ['y', 'x']
    """
    tree = parse(expr) if isinstance(expr, str) else expr
    names = dict.fromkeys(node.id for node in _postorder(tree) if isinstance(node, Name))
    return list(names)


def evaluate(expr: Expr | str, env: Mapping[str, Value | float] | None = None) -> Value:
    """Evaluate an expression on ``Value``s, recording the graph for ``backward()``.

    Each variable takes its value from ``env``: a ``Value`` is used as it is (so its
    ``.grad`` fills in on ``backward()``); a number becomes a new leaf labelled with the
    variable's name. Sub-expressions without variables are computed at once, as Python
    would; the result is a ``Value`` even then.

    Args:
        expr: a parsed tree or the text of an expression.
        env: a value for every variable (names it does not use are ignored).

    Returns:
        The expression's value, the root of its graph.

    Raises:
        ParseError: the text does not parse, or a variable has no value in ``env``.
        ValueError, ZeroDivisionError, OverflowError: an operation is undefined at these
            values (``log`` of a negative number, ...), with the engine's message.
        TypeError: a value in ``env`` is not a number or ``Value``.

    Example:
        >>> from autograd_mini import Value
        >>> x = Value(3.0)
        >>> y = evaluate("x**2 + 2*x + 1", {"x": x})
        >>> y.backward()
        >>> y.data, x.grad
        (16.0, 8.0)
        >>> evaluate("2 * pi").data
        6.283185307179586
    """
    text = expr if isinstance(expr, str) else None
    tree = parse(expr) if isinstance(expr, str) else expr
    if not isinstance(tree, Expr):
        raise TypeError(f"evaluate: expected an Expr or a str (got {type(tree).__name__})")
    return _run(_postorder(tree), {} if env is None else env, text)


def _run(order: list[Expr], env: Mapping[str, Value | float], text: str | None) -> Value:
    """Evaluate nodes in post-order with a value stack: floats for constants, else Values."""
    leaves: dict[str, Value] = {}
    stack: list[Any] = []
    push, pop = stack.append, stack.pop
    for node in order:
        if isinstance(node, Number):
            push(node.value)
        elif isinstance(node, Name):
            leaf = leaves.get(node.id)
            if leaf is None:
                leaf = leaves[node.id] = _leaf(node, env, text)
            push(leaf)
        elif isinstance(node, BinOp):
            right = pop()
            stack[-1] = _apply(_BINARY[node.op], stack[-1], right)
        elif isinstance(node, UnaryOp):
            # on a number, Python's own sign (exact); on a Value, a neg or pos node
            stack[-1] = -stack[-1] if node.op == "-" else +stack[-1]
        elif isinstance(node, Call):
            n = len(node.args)
            args = stack[len(stack) - n :]
            del stack[len(stack) - n :]
            push(_apply(_FUNCTIONS[node.func].apply, *args))
        elif isinstance(node, Constant):
            push(node.value)
        else:
            raise TypeError(f"evaluate: not an expression node: {node!r}")
    out = pop()
    return out if isinstance(out, Value) else Value(out)


def _leaf(node: Name, env: Mapping[str, Value | float], text: str | None) -> Value:
    name = node.id
    if name not in env:
        where = "" if node.pos is None or text is not None else f" (position {node.pos})"
        given = name if len(name) <= 40 else "NAME"
        message = f"name {_quote(name)} has no value; give it as {given}=...{where}"
        raise ParseError(message, text, node.pos)
    value = env[name]
    if isinstance(value, Value):
        return value
    try:
        return Value(value, label=name)
    except (TypeError, ValueError) as e:
        raise type(e)(f"evaluate: the value of {_quote(name)} is invalid: {e}") from None


def _apply(f: Callable[..., Any], *args: Any) -> Any:
    """``f(*args)``; on constants only, through a temporary ``Value`` for the engine's checks."""
    for a in args:
        if isinstance(a, Value):
            return f(*args)
    with no_grad():
        return f(Value(args[0]), *args[1:]).data


def compile_function(text: str) -> tuple[Callable[..., Value], list[str]]:
    """Turn an expression into a function of its variables, for ``minimize`` or ``grad``.

    The text is parsed once; each call evaluates the tree on its arguments.

    Args:
        text: the expression.

    Returns:
        ``(f, names)``: ``f(*values)`` takes one value (a number or ``Value``) per name in
        ``names``, in that order (the order of first appearance in the text), and
        returns a ``Value``.

    Raises:
        ParseError: the text does not parse.

    Example:
        >>> from autograd_mini import grad, minimize
        >>> f, names = compile_function("(1 - x)**2 + 100*(y - x**2)**2")
        >>> names, f(1.0, 1.0).data
        (['x', 'y'], 0.0)
        >>> grad(f, argnums=(0, 1))(0.0, 0.0)
        (-2.0, 0.0)
        >>> r = minimize(f, [-1.2, 1.0], method="momentum", lr=1e-3, max_iter=20000)
        >>> r.success, [round(v, 4) for v in r.x]
        (True, [1.0, 1.0])
    """
    tree = parse(text)
    order = _postorder(tree)
    names = variables(tree)

    def f(*values: Value | float) -> Value:
        if len(values) != len(names):
            raise TypeError(
                f"{_quote(text)} takes {len(names)} argument(s) ({', '.join(names) or 'none'}), "
                f"got {len(values)}"
            )
        return _run(order, dict(zip(names, values)), text)

    f.__name__ = f.__qualname__ = "compiled_expression"
    f.__doc__ = f"f({', '.join(names)}) = {text}"
    return f, names
