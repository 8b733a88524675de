"""What runs inside nbgrader, in the grader's (trusted) process: preprocessors and the harness.

`nbgrader_settings()` is what nbgrader_config.py merges, so nbgrader's own commands (autograde,
generate_feedback, the formgrader) grade and render exactly as `python -m autograder` does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported inside the function at run time, as everything here
    from traitlets.config import Config


def nbgrader_settings() -> Config:
    """nbgrader Config: release checks, sandboxed autograde, withheld feedback, status-aware export."""
    from pathlib import Path

    import nbgrader
    from nbconvert.preprocessors import ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor
    from nbgrader.converters import GenerateAssignment
    from nbgrader.preprocessors import (
        AssignLatePenalties,
        CheckCellMetadata,
        ClearOutput,
        DeduplicateIds,
        IgnorePattern,
        LimitOutput,
        OverwriteCells,
        OverwriteKernelspec,
        SaveAutoGrades,
    )
    from traitlets.config import Config

    from .cells import RestoreReleaseCells
    from .execute import SandboxedExecute
    from .manual import GetGradesWithPending
    from .mathml import RenderMathOffline
    from .release_checks import CheckReleaseForLeaks, RemoveJupytextPairing
    from .tracebacks import TidyTracebacks
    from .withhold import WithholdHiddenTests

    config = Config()
    config.Autograde.sanitize_preprocessors = [
        ClearOutput,
        RestoreReleaseCells,
        DeduplicateIds,
        OverwriteKernelspec,
        OverwriteCells,
        CheckCellMetadata,
    ]
    config.Autograde.autograde_preprocessors = [
        SandboxedExecute,
        IgnorePattern,
        ClearMetadataPreprocessor,
        LimitOutput,
        SaveAutoGrades,
        AssignLatePenalties,
        CheckCellMetadata,
    ]
    config.GenerateFeedback.preprocessors = [
        GetGradesWithPending,
        WithholdHiddenTests,
        TidyTracebacks,
        RenderMathOffline,
        CSSHTMLHeaderPreprocessor,
    ]
    # The feedback page's template: nbgrader's, without MathJax from a CDN and with each test
    # named by its grade_id (autograder/templates/feedback). nbgrader's folder stays in the list
    # for the formgrader's own templates.
    config.HTMLExporter.extra_template_basedirs = [
        str(Path(__file__).resolve().parent.parent / "templates"),
        str(Path(nbgrader.__file__).resolve().parent / "server_extensions" / "formgrader" / "templates"),
    ]
    # The release's checks run whenever nbgrader generates an assignment (the formgrader too).
    config.GenerateAssignment.preprocessors = list(
        GenerateAssignment.class_traits()["preprocessors"].default()
    ) + [
        RemoveJupytextPairing,
        CheckReleaseForLeaks,
    ]
    # `nbgrader export`: status and detail columns, no score unless `grade` graded it.
    config.ExportApp.plugin_class = "autograder.gradebook.StatusCsvExportPlugin"
    return config
