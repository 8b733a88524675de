"""CIFAR-10: find it, download it if need be, and load it as arrays.

`load_cifar10` looks for the official "python version" batches, in this order:
1. the `data_dir` argument;
2. the folder named by the environment variable CIFAR10_DIR;
3. the per-user cache (`default_cache_dir()`).
Failing all three it downloads the official archive into the cache. The download goes to a
temporary file, is checked against the published MD5, and is extracted into a temporary folder
that is renamed into place only when complete, so an interrupted or corrupted download is never
trusted later.

The batches are pickles. Unpickling can run arbitrary code, so they are read with an unpickler
that only rebuilds numpy arrays, lists, strings and numbers.
"""

import hashlib
import os
import pickle
import shutil
import tarfile
import tempfile
import urllib.error
import urllib.request
from collections import namedtuple
from pathlib import Path

import numpy as np
from numpy.typing import ArrayLike

CIFAR10_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
CIFAR10_MD5 = "c58f30108f718f92721af3b95e74349a"
CIFAR10_BYTES = 170_498_071
DATA_DIR_ENV = "CIFAR10_DIR"
CACHE_DIR_ENV = "OPTDL_CACHE_DIR"
BATCH_FOLDER = "cifar-10-batches-py"
TRAIN_BATCHES = tuple(f"data_batch_{i}" for i in range(1, 6))
TEST_BATCH = "test_batch"
META_FILE = "batches.meta"
CLASS_NAMES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
ROW_LENGTH = 3072

CIFAR10 = namedtuple("CIFAR10", "X_train y_train X_test y_test class_names")


class CIFAR10NotFoundError(FileNotFoundError):
    """No CIFAR-10 anywhere we looked, and it could not be downloaded."""


class CorruptBatchError(ValueError):
    """A batch file exists but is not a valid CIFAR-10 batch."""


class DownloadError(OSError):
    """The download failed its checks (size or MD5); nothing was kept."""


def default_cache_dir() -> Path:
    """The per-user cache: $OPTDL_CACHE_DIR, else $XDG_CACHE_HOME/optdl-course, else ~/.cache/optdl-course."""
    if os.environ.get(CACHE_DIR_ENV):
        return Path(os.environ[CACHE_DIR_ENV]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base).expanduser() / "optdl-course"


def load_cifar10(
    data_dir: str | os.PathLike | None = None,
    *,
    n_train: int | None = None,
    n_test: int | None = None,
    as_images: bool = False,
    center: bool = True,
    download: bool = True,
    cache_dir: str | os.PathLike | None = None,
    progress: bool = True,
) -> CIFAR10:
    """Load CIFAR-10 as numpy arrays.

    data_dir:  folder holding the batches (or its parent); None looks in CIFAR10_DIR, then the cache.
    n_train, n_test:  take the first n images (None: all there are).
    as_images: False gives float32 rows X of shape (N, 3072) in the official order (1024 red,
               1024 green, 1024 blue values), scaled to [0, 1] and, when `center`, with the mean
               training row subtracted from train and test alike. True gives uint8 images of shape
               (N, 32, 32, 3); `center` is then ignored.
    download:  allow downloading the official archive (170 MB) when no copy is found.
    Returns CIFAR10(X_train, y_train, X_test, y_test, class_names); labels are int64 in 0..9.
    """
    for name, value in (("n_train", n_train), ("n_test", n_test)):
        if value is not None and (not isinstance(value, (int, np.integer)) or value < 1):
            raise ValueError(f"{name} must be a positive integer or None, got {value!r}")
    folder = locate_cifar10(data_dir, download=download, cache_dir=cache_dir, progress=progress)
    train_rows, y_train = _read_batches(folder, TRAIN_BATCHES, n_train, "n_train")
    test_rows, y_test = _read_batches(folder, (TEST_BATCH,), n_test, "n_test")
    class_names = read_class_names(folder)
    if as_images:
        return CIFAR10(rows_to_images(train_rows), y_train, rows_to_images(test_rows), y_test, class_names)
    X_train = train_rows.astype(np.float32) / np.float32(255)
    X_test = test_rows.astype(np.float32) / np.float32(255)
    if center:
        mean_row = X_train.mean(axis=0, dtype=np.float64).astype(np.float32)
        X_train -= mean_row
        X_test -= mean_row
    return CIFAR10(X_train, y_train, X_test, y_test, class_names)


def rows_to_images(rows: ArrayLike) -> np.ndarray:
    """(N, 3072) rows in the official channel-planar order -> (N, 32, 32, 3) images."""
    rows = np.asarray(rows)
    return rows.reshape(len(rows), 3, 32, 32).transpose(0, 2, 3, 1)


def locate_cifar10(
    data_dir: str | os.PathLike | None = None,
    *,
    download: bool = True,
    cache_dir: str | os.PathLike | None = None,
    progress: bool = True,
) -> Path:
    """Return the folder that holds the batches, downloading into the cache if allowed.

    A folder named explicitly (argument or CIFAR10_DIR) that holds no batches is an error:
    the user asked for that folder, so we say so rather than download 170 MB behind their back.
    """
    if data_dir is not None:
        return _require_batches(Path(data_dir).expanduser(), "the data_dir argument")
    if os.environ.get(DATA_DIR_ENV):
        return _require_batches(Path(os.environ[DATA_DIR_ENV]).expanduser(), f"${DATA_DIR_ENV}")
    cache = Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()
    found = _find_batches(cache)
    if found is not None:
        return found
    looked = f"the data_dir argument (not given), ${DATA_DIR_ENV} (not set), the cache {cache}"
    if not download:
        raise CIFAR10NotFoundError(_not_found_message(looked, "downloading is switched off (download=False)"))
    try:
        return download_cifar10(
            cache, url=CIFAR10_URL, md5=CIFAR10_MD5, expected_bytes=CIFAR10_BYTES, progress=progress
        )
    except (urllib.error.URLError, OSError) as error:
        if isinstance(error, DownloadError):
            raise
        raise CIFAR10NotFoundError(
            _not_found_message(looked, f"the download failed: {_reason(error)}")
        ) from None


def download_cifar10(
    cache_dir: str | os.PathLike,
    *,
    url: str = CIFAR10_URL,
    md5: str = CIFAR10_MD5,
    expected_bytes: int = CIFAR10_BYTES,
    progress: bool = True,
) -> Path:
    """Download and extract the official archive into `cache_dir`; return the batches folder.

    Network errors propagate as urllib/OSError; a size or MD5 mismatch raises DownloadError.
    Either way no partial file or folder is left behind.
    """
    cache_dir = Path(cache_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    archive = _fetch_verified(url, cache_dir, md5, expected_bytes, progress)
    try:
        return _extract_atomically(archive, cache_dir)
    finally:
        archive.unlink(missing_ok=True)


def read_batch(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    """Read one official batch file: returns (rows uint8 (n, 3072), labels int64 (n,))."""
    path = Path(path)
    try:
        with open(path, "rb") as handle:
            batch = _ArrayUnpickler(handle, encoding="bytes").load()
        rows = np.asarray(batch[b"data"])
        labels = np.asarray(batch[b"labels"], dtype=np.int64)
    except FileNotFoundError:
        raise
    except Exception as error:  # unpickling raises many types; all mean the same to the user
        raise CorruptBatchError(_corrupt_message(path, f"it could not be read ({_reason(error)})")) from None
    if rows.dtype != np.uint8 or rows.ndim != 2 or rows.shape[1] != ROW_LENGTH:
        raise CorruptBatchError(
            _corrupt_message(
                path,
                f"its data has dtype {rows.dtype} and shape {rows.shape}, expected uint8 (n, {ROW_LENGTH})",
            )
        )
    if labels.shape != (len(rows),):
        raise CorruptBatchError(_corrupt_message(path, f"it has {len(rows)} images but {labels.size} labels"))
    if labels.size and (labels.min() < 0 or labels.max() >= len(CLASS_NAMES)):
        raise CorruptBatchError(_corrupt_message(path, "its labels are outside 0..9"))
    return rows, labels


def read_class_names(folder: str | os.PathLike) -> list[str]:
    """The label names from batches.meta, or the official list when that file is absent."""
    path = Path(folder) / META_FILE
    if not path.exists():
        return list(CLASS_NAMES)
    try:
        with open(path, "rb") as handle:
            meta = _ArrayUnpickler(handle, encoding="bytes").load()
        return [name.decode() for name in meta[b"label_names"]]
    except Exception as error:
        raise CorruptBatchError(_corrupt_message(path, f"it could not be read ({_reason(error)})")) from None


class _ArrayUnpickler(pickle.Unpickler):
    """Rebuilds numpy arrays and plain containers; refuses every other global (no code execution)."""

    _ALLOWED = {
        ("numpy", "ndarray"),
        ("numpy", "dtype"),
        ("numpy.core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "_reconstruct"),
        ("numpy.core.multiarray", "scalar"),
        ("numpy._core.multiarray", "scalar"),
        ("_codecs", "encode"),  # how Python 3 writes bytes at protocol 2; it only encodes text
    }

    def find_class(self, module, name):
        if (module, name) not in self._ALLOWED:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name}: not part of a CIFAR-10 batch")
        if module.startswith("numpy.core"):
            module = module.replace("numpy.core", "numpy._core" if hasattr(np, "_core") else "numpy.core", 1)
        return super().find_class(module, name)


def _read_batches(folder, names, n_wanted, argument):
    rows, labels, have = [], [], 0
    for name in names:
        if n_wanted is not None and have >= n_wanted:
            break
        batch_rows, batch_labels = read_batch(folder / name)
        rows.append(batch_rows)
        labels.append(batch_labels)
        have += len(batch_rows)
    rows, labels = np.concatenate(rows), np.concatenate(labels)
    if n_wanted is not None:
        if n_wanted > len(rows):
            raise ValueError(f"{argument}={n_wanted} but {folder} holds only {len(rows)} such images")
        rows, labels = rows[:n_wanted], labels[:n_wanted]
    return rows, labels


def _find_batches(folder):
    for candidate in (folder, folder / BATCH_FOLDER):
        if all((candidate / name).is_file() for name in TRAIN_BATCHES + (TEST_BATCH,)):
            return candidate
    return None


def _require_batches(folder, source):
    found = _find_batches(folder)
    if found is None:
        missing = [name for name in TRAIN_BATCHES + (TEST_BATCH,) if not (folder / name).is_file()]
        raise CIFAR10NotFoundError(
            f"{source} names {folder}, but it does not hold the CIFAR-10 python batches "
            f"(missing: {', '.join(missing)}; nor is there a {BATCH_FOLDER}/ inside it). "
            f"Point it at the folder that contains data_batch_1 ... data_batch_5 and test_batch, "
            f"or unset it to use the cache and download."
        )
    return found


def _fetch_verified(url, cache_dir, md5, expected_bytes, progress):
    """Stream `url` into a temporary file in `cache_dir`, checking size and MD5, and return its path."""
    from tqdm.auto import tqdm

    handle, temporary = tempfile.mkstemp(prefix=".cifar-10-download-", suffix=".part", dir=cache_dir)
    temporary = Path(temporary)
    digest, received = hashlib.md5(), 0
    try:
        with os.fdopen(handle, "wb") as out, _open_url(url) as response:
            total = int(response.headers.get("Content-Length") or expected_bytes or 0) or None
            with tqdm(total=total, unit="B", unit_scale=True, desc="CIFAR-10", disable=not progress) as bar:
                while True:
                    chunk = response.read(1 << 20)
                    if not chunk:
                        break
                    out.write(chunk)
                    digest.update(chunk)
                    received += len(chunk)
                    bar.update(len(chunk))
        if expected_bytes is not None and received != expected_bytes:
            raise DownloadError(
                f"the download of {url} has {received} bytes, expected {expected_bytes}: "
                f"it was cut short or changed; nothing was kept, run again to retry"
            )
        if md5 is not None and digest.hexdigest() != md5:
            raise DownloadError(
                f"the download of {url} has MD5 {digest.hexdigest()}, expected {md5}: "
                f"it is corrupted; nothing was kept, run again to retry"
            )
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return temporary


def _open_url(url):
    """Open `url` for reading; a seam for tests."""
    return urllib.request.urlopen(url, timeout=60)


def _extract_atomically(archive, cache_dir):
    """Extract into a temporary folder, check it, then rename the batches folder into place."""
    staging = Path(tempfile.mkdtemp(prefix=".cifar-10-extract-", dir=cache_dir))
    try:
        with tarfile.open(archive, "r:gz") as tar:
            members = [member for member in tar.getmembers() if _is_safe_member(member)]
            if hasattr(tarfile, "data_filter"):  # Python 3.12, and 3.10.12+ / 3.11.4+ backports
                tar.extractall(staging, members=members, filter="data")
            else:
                tar.extractall(staging, members=members)
        extracted = _find_batches(staging)
        if extracted is None:
            raise DownloadError(f"the archive {archive.name} does not contain the CIFAR-10 python batches")
        for name in TRAIN_BATCHES + (TEST_BATCH,):
            read_batch(extracted / name)
        target = cache_dir / BATCH_FOLDER
        try:
            os.replace(extracted, target)
        except OSError:
            if _find_batches(target) is None:  # not another process winning the race
                raise
        return target
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _is_safe_member(member):
    """Regular files and folders with a relative path inside the archive; the rest is skipped.

    Kept beside tarfile's filter="data" for a security reason: on a Python without that filter
    (before 3.10.12 / 3.11.4) it is the only guard against path traversal, links and device
    files, and where the filter exists it skips such members, where the filter would abort
    the whole extraction.
    """
    name = member.name
    return (
        (member.isfile() or member.isdir())
        and not name.startswith(("/", "\\"))
        and ".." not in Path(name).parts
    )


def _not_found_message(looked, why):
    return (
        f"CIFAR-10 was not found and {why}.\n"
        f"Looked in: {looked}.\n"
        f"Fix it in one of two ways:\n"
        f"  1. set {DATA_DIR_ENV} to a folder holding the python batches "
        f"(data_batch_1 ... data_batch_5, test_batch), e.g. export {DATA_DIR_ENV}=/path/to/{BATCH_FOLDER},\n"
        f"     then restart Jupyter (a running kernel does not see a variable exported later), or pass\n"
        f"     load_cifar10(data_dir='/path/to/{BATCH_FOLDER}') in the notebook\n"
        f"  2. connect to the internet and run again: the official archive ({CIFAR10_BYTES:,} bytes) "
        f"is downloaded from {CIFAR10_URL} into the cache."
    )


def _corrupt_message(path, why):
    return (
        f"CIFAR-10 batch file {path} is corrupt: {why}. Delete it (or the whole folder) and run again "
        f"to download a fresh copy, or point {DATA_DIR_ENV} at a good copy."
    )


def _reason(error):
    reason = getattr(error, "reason", None)
    return f"{type(error).__name__}: {reason if reason is not None else error}"
