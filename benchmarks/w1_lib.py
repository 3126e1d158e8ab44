"""W1lib: micrograd's demo step as a user writes it with autograd_mini (nn, losses, optim).

A bare loop, ``fit``, ``fit(compile=True)``, a step traced once with
``compiler.trace_program``, and the same step written by hand on plain floats
(``handwritten_mlp.py``), against micrograd's demo step.
"""

from __future__ import annotations

import builtins
import gc
import importlib
import importlib.util
import math
import statistics
import sys
from collections.abc import Callable
from typing import Any

from harness import (
    FLOATS_TOL,
    REL_TOL,
    TARGET_COMPILE_SECONDS,
    TARGET_COMPILED_SPEEDUP,
    TARGET_COMPILED_VS_FLOATS,
    TARGET_FIT_COMPILE_EPOCH,
    TARGET_FIT_COMPILED_VS_FLOATS,
    TARGET_FIT_OVERHEAD,
    TARGET_LIB_SPEEDUP,
    TARGET_LIB_SPEEDUP_HELD,
    W1_ALPHA,
    W1_LR,
    Clock,
    Contender,
    _cells,
    _format_table,
    _rel_err,
    consecutive,
    perf_counter,
)


# --- W1 as a user writes it with autograd_mini -----------------------------------------
class W1User:
    """W1 written with autograd_mini's own API, compiled, and by hand on plain floats.

    Every variant trains ``nn.MLP(2, [16, 16, 1])`` on the same points from the same
    initial weights (micrograd's, seed 1337): ``losses.hinge(scores, y) + W1_ALPHA *
    losses.l2(params)``, plain SGD with ``lr = W1_LR``.

    * W1-lib: the bare loop ``opt.zero_grad(); loss = ...; loss.backward(); opt.step()``;
    * W1-fit: ``fit(model, X, y, loss="hinge", l2=..., epochs=S, batch_size=None)``,
      one epoch being one full-batch step;
    * W1-fit-compiled: the same with ``compile=True``; its first epoch traces the step
      and is timed on its own, the next S epochs are the block;
    * W1-compiled: the step traced once with ``trace_program`` over the parameters (the
      points are baked in as constants), then ``program.fn(*data)``, gradients written
      to ``.grad``, ``opt.step()``;
    * W1-floats: :class:`handwritten_mlp.FloatMLP`, the same step by hand on floats.
    """

    def __init__(
        self, am: Any, points: list[tuple[float, float, float]], init: list[float], steps: int
    ) -> None:
        from handwritten_mlp import FloatMLP

        self.fit = am.fit
        self.losses = am.losses
        self.optim = am.optim
        self.steps = steps
        self.n_points = len(points)
        self.X = [[x0, x1] for x0, x1, _ in points]
        self.y = [label for _, _, label in points]
        self.init = init
        self.model = am.nn.MLP(2, [16, 16, 1], seed=0)
        self.params = self.model.parameters()
        self.opt = self.optim.SGD(self.params, lr=W1_LR)
        self.floats = FloatMLP(init, (16, 16), points, W1_ALPHA)
        self.reset()
        trace_program = importlib.import_module("autograd_mini.compiler").trace_program
        t0 = perf_counter()
        self.program = trace_program(
            lambda: (self.loss(), []), self.params, list(range(len(self.params)))
        )
        self.compile_seconds = perf_counter() - t0
        t0 = perf_counter()
        builtins.compile(self.program.source, "<W1 step>", "exec")
        self.python_compile_seconds = perf_counter() - t0
        self.after_first_block: dict[str, list[float]] = {}  # weights after each first block
        self.fit_losses: dict[str, list[float]] = {}  # fit's loss history in its first block
        self.epoch_times: dict[str, list[list[float]]] = {"fit": [], "fitc": []}
        self.contenders = self._contenders()
        self.check_lines = self._check()

    # --- the steps -----------------------------------------------------------------------
    def reset(self) -> None:
        for p, v in zip(self.params, self.init, strict=True):
            p.data = v
            p.grad = 0.0
        self.floats.set_parameters(self.init)

    def loss(self) -> Any:
        scores = [self.model(x) for x in self.X]
        return self.losses.hinge(scores, self.y) + W1_ALPHA * self.losses.l2(self.params)

    def lib_step(self) -> Any:
        self.opt.zero_grad()
        loss = self.loss()
        loss.backward()
        self.opt.step()
        return loss

    def compiled_step(self) -> float:
        params = self.params
        value, grads = self.program.fn(*[p.data for p in params])
        for p, g in zip(params, grads):
            p.grad = g
        self.opt.step()
        return float(value)

    def floats_step(self) -> float:
        return self.floats.step(W1_LR)

    def weights(self) -> list[float]:
        return [p.data for p in self.params]

    # --- the contenders ------------------------------------------------------------------
    def _contenders(self) -> list[Contender]:
        def blocks_of(
            name: str, step: Callable[[], Any], weights: Callable[[], list[float]]
        ) -> Contender:
            def run(k: int, clock: Clock) -> None:
                consecutive(step, k, clock)
                self.after_first_block.setdefault(name, weights())

            return Contender(name, self.steps, run, reset=self.reset)

        return [
            blocks_of("W1-lib", self.lib_step, self.weights),
            Contender("W1-fit", self.steps, self._fit_block, reset=self.reset),
            Contender(
                "W1-fit-compiled",
                self.steps,
                lambda k, clock: self._fit_block(k, clock, compiled=True),
                reset=self.reset,
            ),
            blocks_of("W1-compiled", self.compiled_step, self.weights),
            blocks_of("W1-floats", self.floats_step, self.floats.parameters),
        ]

    def _fit_block(self, steps: int, clock: Clock, compiled: bool = False) -> None:
        """One fit call: ``steps`` epochs, after one more (the tracing one) if compiled."""
        epochs = steps + 1 if compiled else steps
        stamps: list[float] = []

        def stamp(epoch: int, logs: dict[str, float]) -> None:
            stamps.append(perf_counter())
            if compiled and epoch == 1:
                clock.start()  # epoch 1 traced and compiled the step: timed on its own
            if epoch == epochs:
                clock.stop()

        opt = self.optim.SGD(self.params, lr=W1_LR)
        if compiled:
            t0 = perf_counter()
        else:
            clock.start()  # eager: the whole call is the block
            t0 = clock.t0
        history = self.fit(
            self.model,
            self.X,
            self.y,
            loss="hinge",
            l2=W1_ALPHA,
            optimizer=opt,
            epochs=epochs,
            batch_size=None,
            progress=False,
            compile=compiled,
            callbacks=[stamp],
        )
        if len(stamps) != epochs:
            raise RuntimeError(f"fit stopped after {len(stamps)} epochs: {history.stop_reason}")
        key = "fitc" if compiled else "fit"
        self.epoch_times[key].append([b - a for a, b in zip([t0, *stamps], stamps)])
        self.fit_losses.setdefault(key, list(history.losses))
        if not compiled:
            self.after_first_block.setdefault("W1-fit", self.weights())

    # --- checks ---------------------------------------------------------------------------
    def _check(self) -> list[str]:
        """Untimed: the hand-written and the compiled step against the engine."""
        self.reset()
        loss = self.loss()
        loss.backward()
        want = [loss.data] + [float(p.grad) for p in self.params]
        del loss
        f_loss, f_grads = self.floats.loss_and_gradients()
        floats_err = max(_rel_err(a, b) for a, b in zip([f_loss, *f_grads], want, strict=True))
        value, grads = self.program.fn(*self.weights())
        compiled_err = max(_rel_err(a, b) for a, b in zip([value, *grads], want, strict=True))
        active = sum(1 for row, t in zip(self.X, self.y) if 1.0 - t * self.model(row).data > 0.0)
        self.reset()
        return [
            f"W1 as a user writes it: nn.MLP(2, [16, 16, 1]), the same {self.n_points} points "
            f"and initial weights, losses.hinge + {W1_ALPHA:g} * losses.l2, optim.SGD(lr="
            f"{W1_LR:g}); {active} of {self.n_points} hinge terms active at the start",
            f"    hand-written gradients match the engine: "
            f"{'yes' if floats_err <= FLOATS_TOL else 'no'} (max rel. err {floats_err:.1e} "
            f"over the loss and {len(grads)} gradients, tol {FLOATS_TOL:g})",
            f"    compiled step matches the engine: "
            f"{'yes' if compiled_err <= FLOATS_TOL else 'no'} (max rel. err {compiled_err:.1e}); "
            f"{self.program.nodes:,} nodes, {self.program.source.count(chr(10)):,} lines of "
            f"generated code",
        ]

    # --- the report --------------------------------------------------------------------
    def report(self, mg: Contender, repeat: int) -> list[str]:
        """The table of the library variants and what it says about each target."""
        c = {x.name: x for x in self.contenders}
        lib, fit, fitc = c["W1-lib"], c["W1-fit"], c["W1-fit-compiled"]
        compiled, floats = c["W1-compiled"], c["W1-floats"]
        s = self.steps

        def verdict(ok: bool) -> str:
            return "MET" if ok else "MISSED"

        def speedup(x: Contender) -> float:
            return mg.median / x.median

        overhead = fit.median / lib.median - 1.0
        # the target of a notebook-sized process (--hold numpy or torch), else a lean one's
        held = "numpy" in sys.modules or "torch" in sys.modules
        target = TARGET_LIB_SPEEDUP_HELD if held else TARGET_LIB_SPEEDUP
        table = [
            ["", "", "ms/step", "min", "spread", "speed-up", "gen-2 GCs", "target", ""],
            ["micrograd", "micrograd's demo step (the reference)", *_cells(mg, mg), "", ""],
            [
                "W1-lib",
                "nn.MLP + losses + optim.SGD, bare loop",
                *_cells(lib, mg),
                f">= {target:g}x",
                verdict(speedup(lib) >= target),
            ],
            [
                "W1-fit",
                f"fit(..., epochs={s}): time per epoch",
                *_cells(fit, mg),
                f"<= +{TARGET_FIT_OVERHEAD:.0%} over W1-lib",
                verdict(overhead <= TARGET_FIT_OVERHEAD),
            ],
            [
                "W1-fit-compiled",
                f"fit(..., compile=True): epochs 2..{s + 1}",
                *_cells(fitc, mg),
                f">= {TARGET_COMPILED_SPEEDUP:g}x",
                verdict(speedup(fitc) >= TARGET_COMPILED_SPEEDUP),
            ],
            [
                "W1-compiled",
                "traced once: program.fn + .grad + SGD.step",
                *_cells(compiled, mg),
                f">= {TARGET_COMPILED_SPEEDUP:g}x",
                verdict(speedup(compiled) >= TARGET_COMPILED_SPEEDUP),
            ],
            ["W1-floats", "hand-written floats (handwritten_mlp.py)", *_cells(floats, mg), "", ""],
        ]
        lines = [
            f"W1 as a user writes it: steady state, ms per step = mean over a block of "
            f"consecutive steps (GC included); median and min over {len(mg.per_step)} blocks; "
            f"speed-up = micrograd's median / this median",
            *_format_table(table, numeric=range(2, 7)),
            "",
            f"    fit's overhead over the bare loop: {overhead:+.1%} per step   target <= "
            f"+{TARGET_FIT_OVERHEAD:.0%}  {verdict(overhead <= TARGET_FIT_OVERHEAD)}",
        ]
        ratio, ratio_fit = compiled.median / floats.median, fitc.median / floats.median
        lines.append(
            f"    compiled step / hand-written floats: W1-compiled {ratio:.2f}x   target <= "
            f"{TARGET_COMPILED_VS_FLOATS:g}x  {verdict(ratio <= TARGET_COMPILED_VS_FLOATS)}; "
            f"W1-fit-compiled {ratio_fit:.2f}x   target <= {TARGET_FIT_COMPILED_VS_FLOATS:g}x  "
            f"{verdict(ratio_fit <= TARGET_FIT_COMPILED_VS_FLOATS)}"
        )
        lines.append(
            f"    compile (trace + code generation + Python's compile()) of the W1-compiled "
            f"step: {self.compile_seconds * 1e3:.0f} ms, of which compile() of the "
            f"{self.program.source.count(chr(10)):,}-line source "
            f"{self.python_compile_seconds * 1e3:.0f} ms   target < "
            f"{TARGET_COMPILE_SECONDS * 1e3:.0f} ms  "
            f"{verdict(self.compile_seconds < TARGET_COMPILE_SECONDS)}"
        )
        lines += self._fit_epochs(verdict)
        lines += self._same_trajectories()
        lines += self._phases(repeat)
        return lines

    def _fit_epochs(self, verdict: Callable[[bool], str]) -> list[str]:
        """fit(compile=True) against eager fit, epoch by epoch and cumulatively."""
        eager, comp = self.epoch_times["fit"], self.epoch_times["fitc"]
        first = statistics.median(times[0] for times in comp)
        since = TARGET_FIT_COMPILE_EPOCH - 1  # index of that epoch
        late_e = [t for times in eager for t in times[since:]]
        late_c = [t for times in comp for t in times[since:]]
        te, tc = statistics.median(late_e), statistics.median(late_c)
        # cumulative time at the end of each epoch (median over blocks), from the fit call
        n = min(len(eager[0]), len(comp[0]))
        cum_e = [statistics.median(sum(x[:e]) for x in eager) for e in range(1, n + 1)]
        cum_c = [statistics.median(sum(x[:e]) for x in comp) for e in range(1, n + 1)]
        ahead = [ce < cc for ce, cc in zip(cum_c, cum_e)]  # compiled ahead after epoch e
        if ahead[-1]:
            e0 = n  # the first epoch from which compiled stays ahead to the end
            while e0 > 1 and ahead[e0 - 2]:
                e0 -= 1
            even = f"epoch {e0} (measured over {n} epochs)"
        elif te > tc:
            e0 = n + math.floor((cum_c[-1] - cum_e[-1]) / (te - tc)) + 1
            even = (
                f"epoch {e0} (extrapolated: after {n} epochs compiled is "
                f"{(cum_c[-1] - cum_e[-1]) * 1e3:.0f} ms behind and gains "
                f"{(te - tc) * 1e3:.1f} ms per epoch)"
            )
        else:
            even = "never (a compiled epoch is not faster than an eager one)"
        return [
            f"    fit(compile=True): first epoch {first * 1e3:.0f} ms (trace, code generation, "
            f"compile(), one step; eager fit's first epoch "
            f"{statistics.median(x[0] for x in eager) * 1e3:.1f} ms)",
            f"        per epoch from epoch {TARGET_FIT_COMPILE_EPOCH} on (median): compiled "
            f"{tc * 1e3:.2f} ms, eager {te * 1e3:.2f} ms ({te / tc:.1f}x)   target: compiled "
            f"faster from epoch {TARGET_FIT_COMPILE_EPOCH} on  {verdict(tc < te)}",
            f"        cumulatively faster than eager fit (compile time counted) from {even}",
        ]

    def _same_trajectories(self) -> list[str]:
        """Untimed check, from the first blocks: the variants took the same steps."""
        ref = self.after_first_block["W1-lib"]
        errs = {
            name: max(_rel_err(a, b) for a, b in zip(ref, w, strict=True))
            for name, w in self.after_first_block.items()
            if name != "W1-lib"
        }
        losses_e, losses_c = self.fit_losses["fit"], self.fit_losses["fitc"]
        hist = max(_rel_err(a, b) for a, b in zip(losses_e, losses_c))
        shown = ", ".join(f"{name} {err:.1e}" for name, err in errs.items())
        same = max(errs.values()) <= REL_TOL and hist <= REL_TOL
        return [
            f"    same weights after {self.steps} steps from the same start: "
            f"{'yes' if same else 'no'} (max rel. err against W1-lib: {shown}; "
            f"fit(compile=True)'s loss history against fit's: {hist:.1e}; tol {REL_TOL:g})"
        ]

    def _phases(self, repeat: int) -> list[str]:
        """Where a step's time goes: median of each phase over consecutive steps."""
        lib: list[list[float]] = [[], [], []]
        comp: list[list[float]] = [[], [], []]
        self.reset()
        gc.collect()
        loss = None
        for _ in range(repeat):
            t0 = perf_counter()
            self.opt.zero_grad()
            loss = self.loss()  # frees the previous step's graph
            t1 = perf_counter()
            loss.backward()
            t2 = perf_counter()
            self.opt.step()
            t3 = perf_counter()
            for acc, t in zip(lib, (t1 - t0, t2 - t1, t3 - t2)):
                acc.append(t)
        del loss
        self.reset()
        gc.collect()
        params = self.params
        for _ in range(repeat):
            t0 = perf_counter()
            _, grads = self.program.fn(*[p.data for p in params])
            t1 = perf_counter()
            for p, g in zip(params, grads):
                p.grad = g
            t2 = perf_counter()
            self.opt.step()
            t3 = perf_counter()
            for acc, t in zip(comp, (t1 - t0, t2 - t1, t3 - t2)):
                acc.append(t)
        self.reset()

        def ms(xs: list[float]) -> str:
            return f"{statistics.median(xs) * 1e3:.2f}"

        return [
            f"    phases, median ms over {repeat} consecutive steps: W1-lib: zero_grad + "
            f"forward {ms(lib[0])} (includes freeing the previous graph), backward "
            f"{ms(lib[1])}, SGD.step {ms(lib[2])}",
            f"        W1-compiled: generated function {ms(comp[0])}, writing .grad "
            f"{ms(comp[1])}, SGD.step {ms(comp[2])}",
        ]
