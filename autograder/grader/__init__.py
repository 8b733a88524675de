"""What runs inside nbgrader, in the grader's (trusted) process: preprocessors and the harness.

`nbgrader_settings()` is what nbgrader_config.py merges, so nbgrader's own commands (autograde,
generate_feedback, the formgrader) grade and render exactly as `python -m autograder` does.
"""


def nbgrader_settings():
    """nbgrader Config: sanitize with RestoreReleaseCells, execute in the sandbox, withhold in feedback."""
    from nbconvert.preprocessors import ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor
    from nbgrader.preprocessors import (
        AssignLatePenalties,
        CheckCellMetadata,
        ClearOutput,
        DeduplicateIds,
        GetGrades,
        IgnorePattern,
        LimitOutput,
        OverwriteCells,
        OverwriteKernelspec,
        SaveAutoGrades,
    )
    from traitlets.config import Config

    from .cells import RestoreReleaseCells
    from .execute import SandboxedExecute
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
    config.GenerateFeedback.preprocessors = [GetGrades, WithholdHiddenTests, CSSHTMLHeaderPreprocessor]
    return config
