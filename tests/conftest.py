"""Shared fixtures. Tests that need real CIFAR-10 take the `cifar10_dir` fixture."""

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def repo_root():
    return REPO


@pytest.fixture(scope="session")
def cifar10_dir():
    """The real CIFAR-10 folder: $CIFAR10_DIR, else the user cache; skip (fail in CI) without it."""
    from course.data import BATCH_FOLDER, DATA_DIR_ENV, default_cache_dir

    candidates = []
    if os.environ.get(DATA_DIR_ENV):
        candidates.append(Path(os.environ[DATA_DIR_ENV]))
    candidates += [default_cache_dir() / BATCH_FOLDER]
    for folder in candidates:
        if (folder / "data_batch_1").is_file() and (folder / "test_batch").is_file():
            return folder
    message = (
        f"needs real CIFAR-10: set {DATA_DIR_ENV} to a cifar-10-batches-py folder "
        f"(e.g. ../shared/cifar10/cifar-10-batches-py) or download it once with "
        f"python -c 'import course.data as d; d.load_cifar10()'"
    )
    if os.environ.get("CI"):
        pytest.fail("CI must provide CIFAR-10: " + message)
    pytest.skip(message)
