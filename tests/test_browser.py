"""Real browser: JupyterLab + headless Chromium run a lecture notebook and move a slider.

The test writes a small lecture notebook (an OptimizerRace) into a temporary root,
starts JupyterLab from this Python on a free port with a random token, opens the
notebook in headless Chromium (Debian's /usr/bin/chromium driven by Python
playwright, fresh profile), runs all cells, presses the right-arrow key on the
first ``lr`` slider's handle, and checks that the slider's readout and the plot
image changed. Screenshots go to ``test-artifacts/`` at the repository root.

Needs chromium and playwright: ``bash .ci/install-browser`` installs both. Without
them the test is skipped, or fails when the CI environment variable is set.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SERVER_START_TIMEOUT = 60
PAGE_TIMEOUT_MS = 60_000

LECTURE_CELLS = [
    ("markdown", "# Live lecture (browser test)\nOptimizers racing on Rosenbrock."),
    (
        "code",
        "import numpy as np\n"
        "from course.widgets import OptimizerRace\n"
        "\n"
        "def sgd(w, dw, state=None, *, lr):\n"
        "    return w - lr * dw, state\n"
        "\n"
        "def heavy_ball(w, dw, state=None, *, lr, momentum=0.9):\n"
        "    buf = dw.copy() if state is None else momentum * state['momentum_buffer'] + dw\n"
        "    return w - lr * buf, {'momentum_buffer': buf}",
    ),
    (
        "code",
        "race = OptimizerRace({'SGD': (sgd, {'lr': 1e-3}),\n"
        "                      'momentum': (heavy_ball, {'lr': 1e-3, 'momentum': 0.9})},\n"
        "                     landscape='rosenbrock', n_steps=200)\n"
        "race",
    ),
]


def _ci():
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _require_browser():
    missing = []
    if not CHROMIUM.exists():
        missing.append(f"chromium ({CHROMIUM})")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("Python playwright")
    if missing:
        message = f"the browser test needs {' and '.join(missing)}: run `bash .ci/install-browser` (as root)"
        if _ci():
            pytest.fail("CI must run the browser test: " + message)
        pytest.skip(message)


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _write_notebook(path):
    import nbformat

    nb = nbformat.v4.new_notebook()
    for kind, source in LECTURE_CELLS:
        cell = nbformat.v4.new_markdown_cell(source) if kind == "markdown" else nbformat.v4.new_code_cell(source)
        nb.cells.append(cell)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, str(path))


def _children(pid):
    """PIDs whose parent is pid (Linux /proc), e.g. the kernels a server started."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # Field 4 is the parent pid; the command name (field 2) may hold spaces, hence rsplit on ')'.
        fields = stat.rsplit(")", 1)[1].split()
        if fields and int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


class JupyterLab:
    """A JupyterLab server in a temporary root; stopped (with its kernels) by stop()."""

    def __init__(self, root, tmp):
        self.port = _free_port()
        self.token = secrets.token_hex(16)
        self.log_path = tmp / "jupyterlab.log"
        config = tmp / "jupyter-config"
        (config / "labconfig").mkdir(parents=True)
        # The "news" consent toast would cover part of the screenshot.
        (config / "labconfig" / "page_config.json").write_text(
            json.dumps({"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}})
        )
        env = dict(os.environ)
        env.update(
            PYTHONPATH=os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]).rstrip(os.pathsep),
            JUPYTER_CONFIG_DIR=str(config),
            JUPYTER_DATA_DIR=str(tmp / "jupyter-data"),
            JUPYTER_RUNTIME_DIR=str(tmp / "jupyter-runtime"),
            IPYTHONDIR=str(tmp / "ipython"),
            MPLBACKEND="Agg",
        )
        command = [
            sys.executable, "-m", "jupyter", "lab",
            "--no-browser",
            "--ip=127.0.0.1",
            f"--port={self.port}",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={self.token}",
            f"--ServerApp.root_dir={root}",
            "--LabApp.expose_app_in_browser=True",
            f"--LabApp.workspaces_dir={tmp / 'workspaces'}",
            "--LabApp.news_url=None",
            "--allow-root",
        ]
        self.log = open(self.log_path, "w")
        self.process = subprocess.Popen(
            command, cwd=root, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.kernel_pids = set()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self):
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"JupyterLab exited with {self.process.returncode}:\n{self.log_text()}")
            try:
                with urllib.request.urlopen(f"{self.url}/api/status?token={self.token}", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"JupyterLab did not answer within {SERVER_START_TIMEOUT} s:\n{self.log_text()}")

    def log_text(self):
        self.log.flush()
        return self.log_path.read_text()[-4000:]

    def stop(self):
        if self.process.poll() is None:
            self.kernel_pids.update(_children(self.process.pid))
            try:  # a clean shutdown also shuts down the kernels
                request = urllib.request.Request(f"{self.url}/api/shutdown?token={self.token}", method="POST")
                urllib.request.urlopen(request, timeout=5).close()
                self.process.wait(timeout=15)
            except (OSError, subprocess.TimeoutExpired):
                pass
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        for pid in self.kernel_pids:  # only processes this server started
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        self.log.close()


JS_KERNEL_IDLE = """() => {
  const app = window.jupyterapp;
  const panel = app && app.shell.currentWidget;
  const kernel = panel && panel.sessionContext && panel.sessionContext.session
                 && panel.sessionContext.session.kernel;
  return !!kernel && kernel.status === 'idle' && !!panel.content && panel.content.widgets.length > 0;
}"""


def test_lecture_notebook_slider_changes_plot_in_real_browser(tmp_path):
    _require_browser()
    from playwright.sync_api import sync_playwright

    started = time.monotonic()
    ARTIFACTS.mkdir(exist_ok=True)
    root = tmp_path / "root"
    root.mkdir()
    _write_notebook(root / "lecture.ipynb")
    lab = JupyterLab(root, tmp_path)
    context = None
    try:
        lab.wait_ready()
        with sync_playwright() as p:
            context = p.chromium.launch_persistent_context(
                str(tmp_path / "chromium-profile"),  # fresh user-data-dir
                executable_path=str(CHROMIUM),
                headless=True,
                args=CHROMIUM_ARGS,
                viewport={"width": 1400, "height": 1000},
            )
            try:
                page = context.pages[0] if context.pages else context.new_page()
                page.set_default_timeout(PAGE_TIMEOUT_MS)
                page.goto(f"{lab.url}/lab/tree/lecture.ipynb?token={lab.token}")
                page.wait_for_function(JS_KERNEL_IDLE, timeout=PAGE_TIMEOUT_MS)
                lab.kernel_pids.update(_children(lab.process.pid))
                page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")

                image = page.locator(".jp-OutputArea-output img.widget-image").first
                image.wait_for(state="visible")
                page.wait_for_function(
                    "() => { const i = document.querySelector('.jp-OutputArea-output img.widget-image');"
                    " return i && i.complete && i.naturalWidth > 0; }"
                )
                lr_slider = page.locator(".widget-slider").filter(
                    has=page.locator("label.widget-label", has_text=re.compile(r"^lr$"))
                ).first
                readout = lr_slider.locator(".widget-readout")
                readout_before = readout.inner_text().strip()
                src_before = image.get_attribute("src")
                image.scroll_into_view_if_needed()
                pixels_before = image.screenshot()
                page.screenshot(path=str(ARTIFACTS / "browser_race_before.png"))

                handle = lr_slider.locator(".noUi-handle")
                handle.focus()
                for _ in range(6):  # six steps of 0.05 in log10(lr): lr x ~2
                    handle.press("ArrowRight")
                page.wait_for_function(
                    "(old) => { const i = document.querySelector('.jp-OutputArea-output img.widget-image');"
                    " return i && i.src !== old && i.complete && i.naturalWidth > 0; }",
                    arg=src_before,
                )
                # Let the last of the six updates arrive before comparing pixels.
                page.wait_for_timeout(1500)
                readout_after = readout.inner_text().strip()
                image.scroll_into_view_if_needed()
                pixels_after = image.screenshot()
                page.screenshot(path=str(ARTIFACTS / "browser_race_after.png"))
                (ARTIFACTS / "browser_race_plot_before.png").write_bytes(pixels_before)
                (ARTIFACTS / "browser_race_plot_after.png").write_bytes(pixels_after)
                errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
                stderr_text = errors.all_inner_texts() if errors.count() else []
            finally:
                context.close()
    finally:
        lab.stop()

    elapsed = time.monotonic() - started
    print(f"browser test: {elapsed:.1f} s; lr readout {readout_before} -> {readout_after}; screenshots in {ARTIFACTS}")
    assert not stderr_text, f"the notebook wrote to stderr: {stderr_text}"
    assert float(readout_after) > float(readout_before), (readout_before, readout_after)
    assert pixels_after != pixels_before, "the plot image did not change after moving the lr slider"
