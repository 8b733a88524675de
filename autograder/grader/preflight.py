"""Before a batch: check that this host can sandbox submissions and that the sandbox can run the course."""

from __future__ import annotations

import tempfile
from functools import lru_cache

from . import isolation as iso
from .execute import sandbox_env
from .session import SandboxSession, SandboxStartError

PREFLIGHT_SECONDS = 60


@lru_cache(maxsize=2)
def check_sandbox(allow_weak: bool) -> iso.Isolation:
    """The host's Isolation, after a trial run; raises IsolationUnavailable or SandboxStartError.

    The trial imports numpy and `course` inside a sandbox (a grading host that cannot is the
    instructor's to fix, before any student is graded) and, with full isolation, checks that
    `solutions` and the grader cannot be imported there.
    """
    isolation = iso.require(allow_weak)
    with tempfile.TemporaryDirectory(prefix="autograder-preflight-") as files:
        with SandboxSession(files, env=sandbox_env(), isolation=isolation, limits=iso.Limits()) as session:
            result = session.run_cell("import numpy, course, course.checks", 0, PREFLIGHT_SECONDS)
            if result.error or result.exited or result.timed_out:
                problem = result.error["evalue"] if result.error else session.death or "no answer"
                raise SandboxStartError(
                    f"the sandbox cannot import numpy and course: {problem}. "
                    f"Install the course into the grading environment"
                )
            if isolation.complete:
                for name in iso.HIDDEN_PACKAGES:
                    probe = session.run_cell(f"import {name}", 1, PREFLIGHT_SECONDS)
                    if probe.error is None and not probe.exited:
                        raise SandboxStartError(
                            f"the sandbox can import {name!r}: refusing to grade. "
                            f"Report this as a bug of the autograder"
                        )
    return isolation
