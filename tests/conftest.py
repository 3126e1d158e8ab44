"""Shared pytest set-up: Hypothesis profiles.

``ci`` (chosen when the environment has ``CI`` set) is derandomized, has no deadline
and runs more examples; ``dev`` is quick. Pick one by hand with
``HYPOTHESIS_PROFILE=ci pytest``.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=200,
    deadline=None,
    derandomize=True,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=40, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


# On CI everything optional is installed (.ci/run), so a skip there is a missing install
# step, not an absent program: report it as a failure.
if os.environ.get("AUTOGRAD_MINI_REQUIRE_ALL"):
    import pytest

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(item, call):  # type: ignore[no-untyped-def]
        outcome = yield
        report = outcome.get_result()
        if report.skipped and not hasattr(report, "wasxfail"):
            report.outcome = "failed"
            reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
            report.longrepr = f"skipped on CI, where nothing may skip: {reason}"
