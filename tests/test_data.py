"""course.data: reading official-format batches, the download path and its failure modes.

Batches are written by the tests themselves in the official format (protocol-2 pickles with
byte-string keys), so nothing here needs the network or the real data set, except the last
test, which reads the real CIFAR-10 through the `cifar10_dir` fixture.
"""

import hashlib
import http.server
import io
import pickle
import tarfile
import threading
import urllib.error
from pathlib import Path

import numpy as np
import pytest

import course.data as data
from course.data import (
    BATCH_FOLDER,
    CIFAR10NotFoundError,
    CorruptBatchError,
    DownloadError,
    load_cifar10,
    read_batch,
)

N_PER_BATCH = 7


def make_rows(seed, n=N_PER_BATCH):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, size=(n, 3072), dtype=np.uint8), [int(v) for v in rng.integers(0, 10, n)]


def write_batch(path, rows, labels):
    batch = {b"batch_label": b"testing batch", b"labels": labels, b"data": rows}
    path.write_bytes(pickle.dumps(batch, protocol=2))


def write_dataset(folder):
    """Write 5 training batches and a test batch; return the rows and labels written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    for seed, name in enumerate(data.TRAIN_BATCHES + (data.TEST_BATCH,)):
        rows, labels = make_rows(seed)
        write_batch(folder / name, rows, labels)
        written[name] = (rows, labels)
    names = [name.encode() for name in data.CLASS_NAMES]
    (folder / data.META_FILE).write_bytes(pickle.dumps({b"label_names": names}, protocol=2))
    return written


def make_archive(tmp_path):
    """A tar.gz laid out like the official one; returns (bytes, md5)."""
    source = tmp_path / "archive-source"
    write_dataset(source / BATCH_FOLDER)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        tar.add(source / BATCH_FOLDER, arcname=BATCH_FOLDER)
    payload = buffer.getvalue()
    return payload, hashlib.md5(payload).hexdigest()


@pytest.fixture(autouse=True)
def isolated_environment(monkeypatch, tmp_path):
    """No test may see the developer's CIFAR10_DIR or cache."""
    monkeypatch.delenv("CIFAR10_DIR", raising=False)
    monkeypatch.setenv("OPTDL_CACHE_DIR", str(tmp_path / "cache"))


def test_reads_official_format_and_layout(tmp_path):
    written = write_dataset(tmp_path / "d")
    d = load_cifar10(tmp_path / "d", center=False)
    assert d.X_train.shape == (5 * N_PER_BATCH, 3072) and d.X_train.dtype == np.float32
    assert d.X_test.shape == (N_PER_BATCH, 3072)
    first_rows, first_labels = written["data_batch_1"]
    np.testing.assert_allclose(d.X_train[:N_PER_BATCH], first_rows / 255.0, rtol=1e-6)
    assert list(d.y_train[:N_PER_BATCH]) == first_labels
    assert list(d.y_test) == written["test_batch"][1]
    assert d.class_names == list(data.CLASS_NAMES)


def test_images_are_channel_last_with_the_right_pixels(tmp_path):
    written = write_dataset(tmp_path / "d")
    images = load_cifar10(tmp_path / "d", as_images=True).X_train
    rows = written["data_batch_1"][0]
    assert images.shape == (5 * N_PER_BATCH, 32, 32, 3) and images.dtype == np.uint8
    # pixel (row 2, column 5) of image 0: red at 2*32+5, green 1024 further, blue 2048 further
    assert tuple(images[0, 2, 5]) == (rows[0, 69], rows[0, 1024 + 69], rows[0, 2048 + 69])


def test_centering_uses_the_training_mean(tmp_path):
    write_dataset(tmp_path / "d")
    raw = load_cifar10(tmp_path / "d", center=False)
    centred = load_cifar10(tmp_path / "d")
    mean_row = raw.X_train.mean(axis=0)
    np.testing.assert_allclose(centred.X_train.mean(axis=0), 0.0, atol=1e-6)
    np.testing.assert_allclose(centred.X_test, raw.X_test - mean_row, atol=1e-6)


def test_first_n_images_across_batches(tmp_path):
    written = write_dataset(tmp_path / "d")
    d = load_cifar10(tmp_path / "d", n_train=N_PER_BATCH + 3, n_test=2, center=False)
    assert d.X_train.shape == (N_PER_BATCH + 3, 3072) and d.X_test.shape == (2, 3072)
    assert list(d.y_train[N_PER_BATCH:]) == written["data_batch_2"][1][:3]


def test_asking_for_more_images_than_exist_says_how_many_there_are(tmp_path):
    write_dataset(tmp_path / "d")
    with pytest.raises(ValueError, match=f"only {5 * N_PER_BATCH}"):
        load_cifar10(tmp_path / "d", n_train=1000)
    with pytest.raises(ValueError, match="n_test"):
        load_cifar10(tmp_path / "d", n_test=0)


def test_parent_folder_and_environment_variable_are_accepted(tmp_path, monkeypatch):
    write_dataset(tmp_path / "parent" / BATCH_FOLDER)
    assert len(load_cifar10(tmp_path / "parent").y_test) == N_PER_BATCH
    monkeypatch.setenv("CIFAR10_DIR", str(tmp_path / "parent" / BATCH_FOLDER))
    assert len(load_cifar10(download=False).y_test) == N_PER_BATCH


def test_named_folder_without_batches_is_an_error_not_a_download(tmp_path, monkeypatch):
    monkeypatch.setattr(data, "_open_url", lambda url: pytest.fail("must not download"))
    monkeypatch.setenv("CIFAR10_DIR", str(tmp_path / "empty"))
    with pytest.raises(CIFAR10NotFoundError, match=r"\$CIFAR10_DIR names .*missing: data_batch_1"):
        load_cifar10()


def test_corrupt_batch_names_the_file(tmp_path):
    write_dataset(tmp_path / "d")
    (tmp_path / "d" / "data_batch_3").write_bytes(b"\x80\x02}q\x00(truncated")
    with pytest.raises(CorruptBatchError, match="data_batch_3"):
        load_cifar10(tmp_path / "d")


def test_wrong_shape_batch_names_the_file(tmp_path):
    write_dataset(tmp_path / "d")
    write_batch(tmp_path / "d" / "test_batch", np.zeros((3, 100), np.uint8), [0, 1, 2])
    with pytest.raises(CorruptBatchError, match="test_batch.*shape"):
        load_cifar10(tmp_path / "d")


def test_hostile_pickle_is_refused_without_running_it(tmp_path):
    class Exploit:
        def __reduce__(self):
            return (Path.touch, (tmp_path / "pwned",))

    path = tmp_path / "evil_batch"
    path.write_bytes(pickle.dumps({b"data": Exploit(), b"labels": []}, protocol=2))
    with pytest.raises(CorruptBatchError, match="refusing"):
        read_batch(path)
    assert not (tmp_path / "pwned").exists()


class FakeResponse(io.BytesIO):
    def __init__(self, payload, fail_after=None):
        super().__init__(payload)
        self.headers = {"Content-Length": str(len(payload))}
        self.fail_after = fail_after

    def read(self, size=-1):
        if self.fail_after is not None and self.tell() >= self.fail_after:
            raise ConnectionResetError("connection reset by peer")
        return super().read(min(size, 1024) if size and size > 0 else size)


def patch_download(monkeypatch, payload, md5, fail_after=None):
    calls = []

    def opener(url):
        calls.append(url)
        return FakeResponse(payload, fail_after)

    monkeypatch.setattr(data, "_open_url", opener)
    monkeypatch.setattr(data, "CIFAR10_MD5", md5)
    monkeypatch.setattr(data, "CIFAR10_BYTES", len(payload))
    return calls


def cache_entries(tmp_path):
    cache = tmp_path / "cache"
    return sorted(p.name for p in cache.iterdir()) if cache.exists() else []


def test_download_extracts_into_the_cache_and_is_reused(tmp_path, monkeypatch, capsys):
    payload, md5 = make_archive(tmp_path)
    calls = patch_download(monkeypatch, payload, md5)
    d = load_cifar10(n_test=3)
    assert len(d.y_test) == 3 and len(calls) == 1
    assert cache_entries(tmp_path) == [BATCH_FOLDER]  # archive and temporaries removed
    assert "CIFAR-10" in capsys.readouterr().err  # tqdm's progress bar
    load_cifar10()
    assert len(calls) == 1, "the cached copy must be reused"


def test_md5_mismatch_keeps_nothing(tmp_path, monkeypatch):
    payload, _ = make_archive(tmp_path)
    patch_download(monkeypatch, payload, "0" * 32)
    with pytest.raises(DownloadError, match="MD5"):
        load_cifar10()
    assert cache_entries(tmp_path) == []


def test_interrupted_download_keeps_nothing_and_a_retry_succeeds(tmp_path, monkeypatch):
    payload, md5 = make_archive(tmp_path)
    patch_download(monkeypatch, payload, md5, fail_after=len(payload) // 2)
    with pytest.raises(CIFAR10NotFoundError, match="ConnectionResetError"):
        load_cifar10()
    assert cache_entries(tmp_path) == []
    patch_download(monkeypatch, payload, md5)
    assert len(load_cifar10().y_test) == N_PER_BATCH


def test_offline_gives_one_clear_error_with_both_fixes(tmp_path, monkeypatch):
    def offline(url):
        raise urllib.error.URLError(OSError(-3, "Temporary failure in name resolution"))

    monkeypatch.setattr(data, "_open_url", offline)
    with pytest.raises(CIFAR10NotFoundError) as caught:
        load_cifar10()
    message = str(caught.value)
    assert "Looked in" in message and "CIFAR10_DIR" in message and "connect" in message
    assert str(tmp_path / "cache") in message
    # a kernel started before `export CIFAR10_DIR=...` does not see it: say so, and the other way
    assert "then restart Jupyter" in message and "load_cifar10(data_dir=" in message
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
    assert cache_entries(tmp_path) == []


def test_download_false_never_touches_the_network(tmp_path, monkeypatch):
    monkeypatch.setattr(data, "_open_url", lambda url: pytest.fail("must not download"))
    with pytest.raises(CIFAR10NotFoundError, match="download=False"):
        load_cifar10(download=False)


def test_download_over_real_http_from_a_local_server(tmp_path):
    payload, md5 = make_archive(tmp_path)

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.handle_request, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/cifar-10-python.tar.gz"
        folder = data.download_cifar10(
            tmp_path / "cache", url=url, md5=md5, expected_bytes=len(payload), progress=False
        )
    finally:
        thread.join(timeout=10)
        server.server_close()
    assert folder == tmp_path / "cache" / BATCH_FOLDER
    assert len(read_batch(folder / "test_batch")[1]) == N_PER_BATCH


def test_archive_with_path_traversal_is_not_extracted_outside(tmp_path):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        info = tarfile.TarInfo("../escaped.txt")
        info.size = 3
        tar.addfile(info, io.BytesIO(b"bad"))
    archive = tmp_path / "cache" / "a.tar.gz"
    archive.parent.mkdir()
    archive.write_bytes(buffer.getvalue())
    with pytest.raises(DownloadError, match="does not contain"):
        data._extract_atomically(archive, tmp_path / "cache")
    assert not (tmp_path / "escaped.txt").exists()


def test_real_cifar10(cifar10_dir, monkeypatch):
    monkeypatch.setenv("CIFAR10_DIR", str(cifar10_dir))
    d = load_cifar10(n_train=1200, n_test=100)
    assert d.X_train.shape == (1200, 3072) and d.X_test.shape == (100, 3072)
    assert set(np.unique(d.y_train)) == set(range(10))
    assert d.class_names[0] == "airplane" and d.class_names[9] == "truck"
    images = load_cifar10(n_train=10, n_test=1, as_images=True).X_train
    assert images.shape == (10, 32, 32, 3) and 50 < images.mean() < 200  # real photos, not noise at 0
