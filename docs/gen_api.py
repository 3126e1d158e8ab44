"""Generate ``docs/api.md``, the API reference, from the package's docstrings.

Every public module's ``__all__`` gives its public names; each gets its signature (from
``inspect``, without annotations) and the summary of its docstring, and each class its
public methods and properties. The output is deterministic, so
``tests/test_api_reference.py`` can check that the committed page equals it: the
reference cannot drift from the code.

Run from the repository root::

    python docs/gen_api.py            # print the reference
    python docs/gen_api.py --write    # rewrite docs/api.md
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import pkgutil
import re
import sys
import types
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run from a checkout: document this package, not another
    sys.path.insert(0, str(ROOT))

import autograd_mini  # noqa: E402

PACKAGE = "autograd_mini"
OUTPUT = ROOT / "docs" / "api.md"
# The modules in the order of the package map (README, docs/index.md); any module not
# listed here follows, alphabetically, so a new module is never left out.
ORDER = [
    "value",
    "ops",
    "functional",
    "gradcheck",
    "nn",
    "losses",
    "optim",
    "train",
    "datasets",
    "compiler",
    "viz",
    "plots",
    "expr",
    "cli",
]
_ROLE = re.compile(r":(?:class|func|meth|mod|data|attr|exc|obj):`(~?)([^`]+)`")
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")


# --- text helpers ------------------------------------------------------------------------
def _markdown(text: str) -> str:
    """reStructuredText inline markup as Markdown: ``x`` and :class:`~a.B` become `x`, `B`."""
    text = _ROLE.sub(lambda m: "``" + (m[2].rsplit(".", 1)[-1] if m[1] else m[2]) + "``", text)
    return text.replace("``", "`")


def summary(obj: Any) -> str:
    """The first paragraph of ``obj``'s docstring (inherited if it has none), on one line."""
    doc = inspect.getdoc(obj) or ""
    paragraph = doc.strip().split("\n\n", 1)[0]
    return _markdown(" ".join(line.strip() for line in paragraph.splitlines()))


def signature(obj: Any, name: str) -> str:
    """``name(params)`` with defaults and ``*`` / ``/`` markers but no annotations."""
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):
        return f"{name}(...)"
    params = [p.replace(annotation=inspect.Parameter.empty) for p in sig.parameters.values()]
    plain = sig.replace(parameters=params, return_annotation=inspect.Signature.empty)
    return _ADDRESS.sub("", f"{name}{plain}")


def slug(heading: str, seen: dict[str, int]) -> str:
    """The anchor GitHub gives a heading (``-1``, ``-2`` ... for repeats)."""
    base = re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")
    count = seen.get(base, 0)
    seen[base] = count + 1
    return base if count == 0 else f"{base}-{count}"


def constant_comments(module: types.ModuleType) -> dict[str, str]:
    """The ``#:`` comments above module-level assignments, by the name assigned."""
    try:
        lines = inspect.getsource(module).splitlines()
    except (OSError, TypeError):
        return {}
    found: dict[str, str] = {}
    comment: list[str] = []
    for line in lines:
        if line.startswith("#:"):
            comment.append(line[2:].strip())
            continue
        match = re.match(r"([A-Za-z_]\w*)\s*(?::[^=]*)?=", line)
        if match and comment:
            found[match[1]] = _markdown(" ".join(comment))
        comment = []
    return found


# --- the modules -----------------------------------------------------------------------
def public_modules() -> list[types.ModuleType]:
    """The package's public submodules that declare ``__all__``, in reading order."""
    names = [m.name for m in pkgutil.iter_modules(autograd_mini.__path__)]
    public = [n for n in names if not n.startswith("_")]
    ordered = [n for n in ORDER if n in public] + sorted(n for n in public if n not in ORDER)
    modules = [importlib.import_module(f"{PACKAGE}.{n}") for n in ordered]
    return [m for m in modules if hasattr(m, "__all__")]


def unlisted_names(package: types.ModuleType) -> list[str]:
    """Public names of the package left out of ``__all__`` on purpose (``compile``, ``sum``)."""
    return sorted(
        n
        for n, obj in vars(package).items()
        if not n.startswith("_")
        and n not in package.__all__
        and not inspect.ismodule(obj)
        and (inspect.isfunction(obj) or inspect.isclass(obj))
    )


def members(cls: type) -> list[tuple[str, Any]]:
    """Public methods and properties the class defines itself, in definition order.

    An override without a docstring of its own (``Neuron.forward``) is left out: the
    base class documents it.
    """
    out = []
    for name, attr in vars(cls).items():
        if name.startswith("_"):
            continue
        raw = attr.__func__ if isinstance(attr, (classmethod, staticmethod)) else attr
        if not (inspect.isfunction(raw) or isinstance(raw, property)):
            continue
        inherited = any(name in vars(base) for base in cls.__mro__[1:])
        if inherited and not (getattr(raw, "__doc__", None) or "").strip():
            continue
        out.append((name, attr))
    return out


def member_line(cls: type, name: str, attr: Any) -> str:
    """One bullet: a method's signature (without self) or a property, and its summary."""
    if isinstance(attr, property):
        return f"- `{name}` (property): {summary(attr)}"
    raw = attr.__func__ if isinstance(attr, (classmethod, staticmethod)) else attr
    sig = signature(raw, name)
    if not isinstance(attr, staticmethod):  # drop self / cls
        sig = re.sub(r"\((self|cls)(, )?", "(", sig, count=1)
    text = summary(getattr(cls, name))
    return f"- `{sig}`: {text}" if text else f"- `{sig}`"


def entry(
    module: types.ModuleType, name: str, comments: dict[str, str], note: str = ""
) -> list[str]:
    """The lines of one public name's entry."""
    obj = getattr(module, name)
    lines = [f"### `{name}`", ""]
    home = getattr(obj, "__module__", module.__name__)
    # A package's own submodules (optim.sgd under optim) are where it keeps the code,
    # not another home to point the reader to.
    own = home == module.__name__ or home.startswith(module.__name__ + ".")
    if (inspect.isclass(obj) or inspect.isfunction(obj)) and not own:
        lines += [f"The same object as `{home}.{name}`.", ""]
    elif inspect.isfunction(obj) and obj.__name__ != name:
        lines += [f"Another name for `{obj.__name__}`.", ""]
    if inspect.isclass(obj):
        bases = ", ".join(f"`{b.__name__}`" for b in obj.__bases__ if b is not object)
        if issubclass(obj, Warning):
            lines += [f"A warning category (a subclass of {bases}).", ""]
        elif issubclass(obj, BaseException):
            lines += [f"An exception (a subclass of {bases}).", ""]
        else:
            lines += [f"`{signature(obj, name)}`", ""]
            if bases:
                lines += [f"A subclass of {bases}.", ""]
    elif callable(obj):
        lines += [f"`{signature(obj, name)}`", ""]
    else:
        shown = repr(obj)
        if len(shown) <= 80:
            lines += [f"`{name} = {shown}`", ""]
        else:
            kind = type(obj).__name__
            if isinstance(obj, (dict, list, tuple)):
                items = ", ".join(f"`{k}`" for k in obj) if isinstance(obj, dict) else ""
                items = items or ", ".join(f"`{k!r}`" for k in obj)
                lines += [f"`{name}`: a {kind} of {len(obj)} entries: {items}", ""]
            else:
                lines += [f"`{name}`: a {kind}", ""]
        text = comments.get(name, "")
        return lines + ([text, ""] if text else [])
    if note:
        lines += [note, ""]
    text = summary(obj)
    if text:
        lines += [text, ""]
    if inspect.isclass(obj) and not issubclass(obj, BaseException):
        listed = [member_line(obj, n, a) for n, a in members(obj)]
        if listed:
            lines += listed + [""]
    return lines


def generate() -> str:
    """The whole reference, as Markdown."""
    package = autograd_mini
    modules = public_modules()
    seen: dict[str, int] = {}
    anchors: dict[str, str] = {}  # "module" or "module.name" -> anchor
    body: list[str] = []

    unlisted = unlisted_names(package)
    extras: dict[str, list[str]] = {}  # module -> unlisted names it defines
    for name in unlisted:
        home = getattr(package, name).__module__
        if name not in getattr(sys.modules[home], "__all__", []):
            extras.setdefault(home, []).append(name)

    slug(f"API reference of {PACKAGE}", seen)
    slug(PACKAGE, seen)
    for module in modules:
        anchors[module.__name__] = slug(module.__name__, seen)
        body += [f"## {module.__name__}", "", summary(module), ""]
        comments = constant_comments(module)
        for name in module.__all__:
            anchors[f"{module.__name__}.{name}"] = slug(name, seen)
            body += entry(module, name, comments)
        for name in extras.get(module.__name__, []):
            anchors[f"{module.__name__}.{name}"] = slug(name, seen)
            note = (
                f"Public as `{PACKAGE}.{name}` but not in `__all__`, so that a star import "
                f"never shadows the builtin `{name}`."
            )
            body += entry(module, name, {}, note)

    head = [
        f"# API reference of {PACKAGE}",
        "",
        "<!-- Generated by docs/gen_api.py from the docstrings: do not edit by hand. Run",
        "     `python docs/gen_api.py --write` after changing a public name or a docstring;",
        "     tests/test_api_reference.py fails until then. -->",
        "",
        "Every public name of every module (its `__all__`), with its signature and the",
        "summary of its docstring; classes list the public methods and properties they",
        "define. The docstrings themselves, with their examples, say more:",
        "`help(autograd_mini.fit)`. The [tutorial](tutorial.md) shows the pieces working",
        "together.",
        "",
        f"## {PACKAGE}",
        "",
        summary(package),
        "",
        f"`import {PACKAGE}` gives these names (its `__all__`):",
        "",
    ]
    for name in package.__all__:
        obj = getattr(package, name)
        if inspect.ismodule(obj):
            head.append(f"- [`{name}`](#{anchors[obj.__name__]}): {summary(obj)}")
        else:
            key = f"{obj.__module__}.{name}"
            head.append(f"- [`{name}`](#{anchors[key]}) (from `{obj.__module__}`): {summary(obj)}")
    if unlisted:
        head += [
            "",
            "and, left out of `__all__` so that `from autograd_mini import *` never shadows "
            "a builtin:",
            "",
        ]
        for name in unlisted:
            obj = getattr(package, name)
            key = f"{obj.__module__}.{name}"
            head.append(f"- [`{name}`](#{anchors[key]}) (from `{obj.__module__}`): {summary(obj)}")
    head += ["", "Modules:", ""]
    head += [f"- [`{m.__name__}`](#{anchors[m.__name__]}): {summary(m)}" for m in modules]
    head.append("")
    text = "\n".join(head + body).rstrip("\n") + "\n"
    return re.sub(r"\n{3,}", "\n\n", text)


def main(argv: list[str] | None = None) -> int:
    """Print the reference, or with ``--write`` rewrite ``docs/api.md``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help=f"rewrite {OUTPUT.relative_to(ROOT)}")
    args = parser.parse_args(argv)
    text = generate()
    if args.write:
        OUTPUT.write_text(text, encoding="utf-8", newline="\n")
        print(f"wrote {OUTPUT.relative_to(ROOT)} ({len(text.splitlines())} lines)")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
