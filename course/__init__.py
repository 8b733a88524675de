"""Optimization for Deep Learning: the library that lessons, students and lecturers import.

`course` never imports `solutions`: students receive `course`, not the answers.
"""


def __getattr__(name: str) -> str:
    """``course.__version__``: the installed distribution's version, read on first use.

    Lazy because importlib.metadata's lookup costs about 0.1 s (measured under load), which
    every ``import course`` in a lesson would otherwise pay.
    """
    if name == "__version__":
        from importlib import metadata

        for distribution in ("optdl-course", "optdl-student"):  # repository, student bundle
            try:
                return metadata.version(distribution)
            except metadata.PackageNotFoundError:
                continue
        return "0+unknown"  # a source tree that is not installed
    raise AttributeError(f"module 'course' has no attribute {name!r}")
