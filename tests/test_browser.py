"""Real browser: JupyterLab + headless Chromium run lecture notebooks and move sliders.

Two tests share one harness (JupyterLab from this Python on a free port with a
random token, Debian's /usr/bin/chromium driven by Python playwright with a fresh
profile, Run All Cells, a check of every output for errors):

- a small lecture notebook (an OptimizerRace) that the test writes itself: the
  right-arrow key on the first ``lr`` slider's handle must change the readout
  and the plot image;
- the real lesson 02 notebook (the nbgrader source, with the reference
  solutions) in grading mode: in its "Live lecture" section the GD stepper's
  ``lr`` slider is moved by keyboard and its Step button clicked, and the plot
  image, the ``lr`` readout and the iterates table must change, the table obeying
  x_{t+1} = x_t - lr * df/dx_t at the new ``lr``.

Screenshots go to ``test-artifacts/`` at the repository root.

Needs chromium and playwright: ``bash .ci/install-browser`` installs both. Without
them the tests are skipped, or fail when the CI environment variable is set.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import secrets
import shutil
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
LESSON_02 = REPO / "notebooks" / "02_gradient_descent" / "02_gradient_descent.ipynb"

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

    def __init__(self, root, tmp, extra_env=None):
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
        env.update(extra_env or {})  # the kernels inherit the server's environment
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

# Resolves when every cell ran (true) or a cell failed (false): the promise of JupyterLab's
# own "Run All Cells" command, bounded so a hung kernel fails the test instead of blocking it.
JS_RUN_ALL_CELLS = """async (timeoutMs) => {
  const run = window.jupyterapp.commands.execute('notebook:run-all-cells');
  const timeout = new Promise((_, reject) =>
      setTimeout(() => reject(new Error(`Run All Cells took longer than ${timeoutMs} ms`)), timeoutMs));
  return await Promise.race([run, timeout]);
}"""

# Every output of every code cell, read from the open notebook's model (what would be saved).
JS_CODE_CELL_OUTPUTS = """() => {
  const cells = window.jupyterapp.shell.currentWidget.content.widgets;
  const found = [];
  cells.forEach((cell, index) => {
    if (cell.model.type !== 'code') return;
    const outputs = cell.model.outputs;
    const list = [];
    for (let j = 0; j < outputs.length; j++) list.push(outputs.get(j).toJSON());
    found.push({index, executionCount: cell.model.executionCount, outputs: list});
  });
  return found;
}"""

# Marks the code cells of the notebook's "Live lecture" section (up to the next heading of
# level 1 or 2) with data-live-lecture, and the first one whose source contains a marker with
# data-live-widget=<key>. Returns {heading: index or -1, cells: [...], widgets: {key: index}}.
JS_TAG_LIVE_LECTURE = """(markers) => {
  const cells = window.jupyterapp.shell.currentWidget.content.widgets;
  const heading = cells.findIndex(c => c.model.type === 'markdown'
      && /^#{1,6}\\s*Live lecture\\b/m.test(c.model.sharedModel.getSource()));
  const tagged = {cells: [], widgets: {}, heading};
  if (heading < 0) return tagged;
  for (let i = heading + 1; i < cells.length; i++) {
    const cell = cells[i];
    const source = cell.model.sharedModel.getSource();
    if (cell.model.type === 'markdown' && /^#{1,2}\\s/m.test(source)) break;
    if (cell.model.type !== 'code') continue;
    cell.node.dataset.liveLecture = String(i);
    tagged.cells.push(i);
    for (const [key, marker] of Object.entries(markers)) {
      if (!(key in tagged.widgets) && source.includes(marker)) {
        tagged.widgets[key] = i;
        cell.node.dataset.liveWidget = key;
      }
    }
  }
  return tagged;
}"""

# Number of live-lecture cells whose widget outputs are rendered with their plot images
# loaded; false while one is still missing.
JS_LIVE_WIDGETS_RENDERED = """() => {
  const cells = window.jupyterapp.shell.currentWidget.content.widgets;
  let rendered = 0;
  for (const cell of cells) {
    if (!cell.node.dataset.liveLecture) continue;
    const outputs = cell.model.outputs;
    let hasWidget = false;
    for (let j = 0; j < outputs.length; j++) {
      if ('application/vnd.jupyter.widget-view+json' in outputs.get(j).data) hasWidget = true;
    }
    if (!hasWidget) continue;
    const images = cell.node.querySelectorAll('.jp-OutputArea-output img.widget-image');
    if (images.length === 0) return false;
    for (const image of images) if (!(image.complete && image.naturalWidth > 0)) return false;
    rendered += 1;
  }
  return rendered;
}"""

JS_IMAGE_LOADED = "(image) => image.complete && image.naturalWidth > 0"
JS_IMAGE_REPLACED = "([image, old]) => image.src !== old && image.complete && image.naturalWidth > 0"

# tqdm writes its progress bars to stderr: "42%|####      | 42/100 [00:01<00:02, 30.1it/s]".
TQDM_LINE = re.compile(r"^\s*(.*: *)?\d+%\|.*\|.*\[.*\]\s*$|^\s*$")


@contextlib.contextmanager
def _lab_page(root, tmp, extra_env=None, viewport=(1400, 1000)):
    """JupyterLab serving root and a page of a fresh headless Chromium; both stopped on exit.

    Yields (lab, page). The kernels the server starts get extra_env too.
    """
    _require_browser()
    from playwright.sync_api import sync_playwright

    lab = JupyterLab(root, tmp, extra_env)
    try:
        lab.wait_ready()
        with sync_playwright() as p:
            context = p.chromium.launch_persistent_context(
                str(tmp / "chromium-profile"),  # fresh user-data-dir
                executable_path=str(CHROMIUM),
                headless=True,
                args=CHROMIUM_ARGS,
                viewport={"width": viewport[0], "height": viewport[1]},
            )
            try:
                page = context.pages[0] if context.pages else context.new_page()
                page.set_default_timeout(PAGE_TIMEOUT_MS)
                yield lab, page
            finally:
                context.close()
    finally:
        lab.stop()


def _open_notebook(lab, page, name):
    """Open root/name and wait until its kernel is idle."""
    page.goto(f"{lab.url}/lab/tree/{name}?token={lab.token}")
    page.wait_for_function(JS_KERNEL_IDLE, timeout=PAGE_TIMEOUT_MS)
    lab.kernel_pids.update(_children(lab.process.pid))


def _run_all_cells(page):
    """Run All Cells; True once every cell ran, False if a cell failed (the rest are not run)."""
    return page.evaluate(JS_RUN_ALL_CELLS, PAGE_TIMEOUT_MS)


def _wait_kernel_idle(page):
    page.wait_for_function(JS_KERNEL_IDLE, timeout=PAGE_TIMEOUT_MS)


def _cell_problems(page):
    """Errors, and stderr other than tqdm progress bars, in the notebook's code cell outputs."""
    problems = []
    for cell in page.evaluate(JS_CODE_CELL_OUTPUTS):
        for output in cell["outputs"]:
            if output["output_type"] == "error":
                traceback = re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(output.get("traceback", [])))
                problems.append(f"cell {cell['index']}: {output['ename']}: {output['evalue']}\n{traceback}")
            elif output["output_type"] == "stream" and output["name"] == "stderr":
                text = output["text"] if isinstance(output["text"], str) else "".join(output["text"])
                lines = re.split(r"[\r\n]", text)
                if not all(TQDM_LINE.match(line) for line in lines):
                    problems.append(f"cell {cell['index']} wrote to stderr:\n{text}")
    return problems


def _unexecuted_code_cells(page):
    return [cell["index"] for cell in page.evaluate(JS_CODE_CELL_OUTPUTS) if cell["executionCount"] is None]


def _wait_image_loaded(page, image):
    page.wait_for_function(JS_IMAGE_LOADED, arg=image.element_handle())


def _wait_image_replaced(page, image, old_src):
    page.wait_for_function(JS_IMAGE_REPLACED, arg=[image.element_handle(), old_src])


def _lr_slider(scope, page, label=r"^lr$"):
    """The first slider in scope whose description matches the regex label."""
    return scope.locator(".widget-slider").filter(
        has=page.locator("label.widget-label", has_text=re.compile(label))
    ).first


def _press_on_slider_handle(slider, key, times):
    """Keyboard on the slider's handle: each press moves it one slider step."""
    handle = slider.locator(".noUi-handle")
    handle.focus()
    for _ in range(times):
        handle.press(key)


def _poll(page, condition, what, timeout_ms=PAGE_TIMEOUT_MS):
    """Call condition() every 100 ms until it returns a true value; return that value."""
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_ms / 1000:.0f} s waiting for {what}")
        page.wait_for_timeout(100)


def test_lecture_notebook_slider_changes_plot_in_real_browser(tmp_path):
    _require_browser()
    started = time.monotonic()
    ARTIFACTS.mkdir(exist_ok=True)
    root = tmp_path / "root"
    root.mkdir()
    _write_notebook(root / "lecture.ipynb")
    with _lab_page(root, tmp_path) as (lab, page):
        _open_notebook(lab, page, "lecture.ipynb")
        ran_all = _run_all_cells(page)

        image = page.locator(".jp-OutputArea-output img.widget-image").first
        image.wait_for(state="visible")
        _wait_image_loaded(page, image)
        lr_slider = _lr_slider(page, page)
        readout = lr_slider.locator(".widget-readout")
        readout_before = readout.inner_text().strip()
        src_before = image.get_attribute("src")
        image.scroll_into_view_if_needed()
        pixels_before = image.screenshot()
        page.screenshot(path=str(ARTIFACTS / "browser_race_before.png"))

        _press_on_slider_handle(lr_slider, "ArrowRight", 6)  # six steps of 0.05 in log10(lr): lr x ~2
        _wait_image_replaced(page, image, src_before)
        # Let the last of the six updates arrive before comparing pixels.
        page.wait_for_timeout(1500)
        readout_after = readout.inner_text().strip()
        image.scroll_into_view_if_needed()
        pixels_after = image.screenshot()
        page.screenshot(path=str(ARTIFACTS / "browser_race_after.png"))
        (ARTIFACTS / "browser_race_plot_before.png").write_bytes(pixels_before)
        (ARTIFACTS / "browser_race_plot_after.png").write_bytes(pixels_after)
        problems = _cell_problems(page)

    elapsed = time.monotonic() - started
    print(f"browser test: {elapsed:.1f} s; lr readout {readout_before} -> {readout_after}; screenshots in {ARTIFACTS}")
    assert ran_all, f"Run All Cells stopped at a failing cell: {problems}"
    assert not problems, "the notebook's cells show errors:\n" + "\n".join(problems)
    assert float(readout_after) > float(readout_before), (readout_before, readout_after)
    assert pixels_after != pixels_before, "the plot image did not change after moving the lr slider"


# ------------------------------------------------------------------ lesson 02's live lecture
def _table_rows(widget):
    """The GD stepper's table as (t, x, f(x), df/dx) float tuples; skips the '⋮' row."""
    texts = widget.locator("table tbody tr").evaluate_all(
        "rows => rows.map(r => Array.from(r.cells, c => c.textContent.trim()))"
    )
    return [(int(t), float(x), float(fx), float(d)) for t, x, fx, d in (row for row in texts if len(row) == 4)]


def _readout_resolution(value):
    """Half a unit in the last digit of a '.3g' readout (the stepper's lr slider), e.g. 5e-4 for 0.252."""
    return 0.5 * 10 ** (math.floor(math.log10(abs(value))) - 2)


def _gd_rule_violation(rows, lr):
    """First consecutive pair of table rows that breaks x_{t+1} = x_t - lr * df/dx_t, or None.

    The table prints 3 decimals and lr comes from a 3-digit readout, so each side is known
    only to within the rounding of x_t, x_{t+1} (5e-4 each), df/dx_t (5e-4, times lr) and lr
    (half its last digit, times |df/dx_t|).
    """
    for (t, x, _, slope), (t_next, x_next, _, _) in zip(rows, rows[1:]):
        tolerance = 1e-3 + 5e-4 * lr + _readout_resolution(lr) * abs(slope) + 1e-9
        if t_next != t + 1 or abs(x_next - (x - lr * slope)) > tolerance:
            return (t, x, slope, t_next, x_next, x - lr * slope, tolerance)
    return None


def test_lesson_02_live_lecture_gd_stepper_in_real_browser(tmp_path):
    """Lesson 02, run in JupyterLab as a lecturer would: the Live lecture GD stepper responds.

    Copies the source notebook (with reference solutions) into a temporary root, runs all
    cells in grading mode, then on the stepper: ten right-arrow presses on the lr handle
    (lr x 10^0.1) and three clicks on Step. The lr readout must grow, the plot image change,
    and the iterates table gain three rows, keep its start row and obey the gradient-descent
    rule at the new lr.
    """
    _require_browser()
    started = time.monotonic()
    ARTIFACTS.mkdir(exist_ok=True)
    lesson = LESSON_02.stem  # "02_gradient_descent"
    root = tmp_path / "root"
    root.mkdir()
    shutil.copy(LESSON_02, root / LESSON_02.name)
    presses, clicks = 10, 3
    env = {"COURSE_GRADING_MODE": "1", "OPENBLAS_NUM_THREADS": "1"}
    with _lab_page(root, tmp_path, extra_env=env, viewport=(1400, 1100)) as (lab, page):
        _open_notebook(lab, page, LESSON_02.name)
        ran_all = _run_all_cells(page)
        _wait_kernel_idle(page)
        problems = _cell_problems(page)
        assert ran_all and not problems, "Run All Cells: the lesson's cells show errors:\n" + "\n".join(problems)
        unexecuted = _unexecuted_code_cells(page)
        assert not unexecuted, f"code cells without an execution count after Run All Cells: {unexecuted}"

        live = page.evaluate(JS_TAG_LIVE_LECTURE, {"stepper": "GDStepper(", "race": "OptimizerRace("})
        assert live["heading"] >= 0, f"{LESSON_02.name} has no 'Live lecture' heading"
        assert set(live["widgets"]) == {"stepper", "race"}, f"Live lecture widgets found: {live['widgets']}"
        rendered = page.wait_for_function(JS_LIVE_WIDGETS_RENDERED).json_value()
        assert rendered >= 2, f"only {rendered} live-lecture widget(s) rendered"
        render_seconds = time.monotonic() - started

        stepper = page.locator('.jp-Cell[data-live-widget="stepper"] .jp-OutputArea-output').filter(
            has=page.locator("img.widget-image")
        )
        stepper.evaluate("node => node.scrollIntoView({block: 'start'})")
        image = stepper.locator("img.widget-image")
        lr_slider = _lr_slider(stepper, page, label=r"^lr\b")
        readout = lr_slider.locator(".widget-readout")
        # get_by_role("button", name="Step", exact=True) finds nothing here; match the text.
        step_button = stepper.locator("button.widget-button", has_text=re.compile(r"^\s*Step\s*$"))
        assert step_button.count() == 1, "the GD stepper has no Step button"

        readout_before = readout.inner_text().strip()
        rows_before = _table_rows(stepper)
        src_before = image.get_attribute("src")
        pixels_before = image.screenshot()
        stepper.screenshot(path=str(ARTIFACTS / f"lesson_{lesson}_stepper_widget_before.png"))
        page.screenshot(path=str(ARTIFACTS / f"lesson_{lesson}_stepper_before.png"))

        def new_lr_in_table():
            """The readout's lr once it moved and the kernel's table follows it, else None."""
            lr = float(readout.inner_text())
            rows = _table_rows(stepper)
            follows = len(rows) == len(rows_before) and _gd_rule_violation(rows, lr) is None
            return lr if lr != float(readout_before) and follows else None

        _press_on_slider_handle(lr_slider, "ArrowRight", presses)
        lr_after = _poll(page, new_lr_in_table, "the stepper's table to follow the moved lr slider")
        for click in range(clicks):
            step_button.click()
            _poll(page, lambda: len(_table_rows(stepper)) == len(rows_before) + click + 1,
                  f"Step click {click + 1} to add a table row")
        _wait_kernel_idle(page)
        _wait_image_replaced(page, image, src_before)

        readout_after = readout.inner_text().strip()
        rows_after = _table_rows(stepper)
        stepper_text = stepper.inner_text()
        pixels_after = image.screenshot()
        stepper.screenshot(path=str(ARTIFACTS / f"lesson_{lesson}_stepper_widget_after.png"))
        page.screenshot(path=str(ARTIFACTS / f"lesson_{lesson}_stepper_after.png"))
        problems = _cell_problems(page)

    elapsed = time.monotonic() - started
    print(
        f"lesson {lesson} browser test: {elapsed:.1f} s ({render_seconds:.1f} s to the rendered live lecture); "
        f"lr {readout_before} -> {readout_after}; x_1 {rows_before[1][1]} -> {rows_after[1][1]}; "
        f"{len(rows_before)} -> {len(rows_after)} table rows; screenshots in {ARTIFACTS}"
    )
    assert not problems, "errors in the lesson's cells after using the widget:\n" + "\n".join(problems)
    assert not re.search(r"\w+Error\b|diverged", stepper_text), f"the stepper reports a problem:\n{stepper_text}"
    lr_before = float(readout_before)
    assert float(readout_after) == lr_after > lr_before, (readout_before, readout_after)
    assert _gd_rule_violation(rows_before, lr_before) is None, (lr_before, rows_before)
    assert _gd_rule_violation(rows_after, lr_after) is None, (lr_after, rows_after)
    assert len(rows_after) == len(rows_before) + clicks, (rows_before, rows_after)
    assert rows_after[0] == rows_before[0], "the start row changed, but only lr was moved"
    assert rows_after[1][1] != rows_before[1][1], "x_1 did not change with lr"
    assert pixels_after != pixels_before, "the stepper's plot image did not change"


# ------------------------------------------------------- issue 13: live lectures in a real hall
LESSON_04 = REPO / "notebooks" / "04_momentum_nesterov" / "04_momentum_nesterov.ipynb"
LESSON_05 = REPO / "notebooks" / "05_adaptive_methods" / "05_adaptive_methods.ipynb"
GRADING_ENV = {"COURSE_GRADING_MODE": "1", "OPENBLAS_NUM_THREADS": "1"}

# Runs code in the open notebook's kernel (not as a cell) and returns what it printed.
JS_KERNEL_RUN = """async (code) => {
  const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
  const future = kernel.requestExecute({code, silent: false, store_history: false});
  let out = '';
  future.onIOPub = (msg) => {
    if (msg.header.msg_type === 'stream') out += msg.content.text;
    if (msg.header.msg_type === 'error') out += 'KERNEL ERROR ' + msg.content.ename + ': ' + msg.content.evalue;
  };
  await future.done;
  return out;
}"""


def _kernel_json(page, expression, setup=""):
    """The value of a Python expression in the notebook's kernel, through JSON."""
    out = page.evaluate(JS_KERNEL_RUN, f"{setup}\nimport json as _json\nprint(_json.dumps({expression}))")
    assert "KERNEL ERROR" not in out, out
    return json.loads(out.strip().splitlines()[-1])


def _write_live_only(source, target, presentation_scale=None, extra_cells=()):
    """The lesson's live-only twin (course.lecture), optionally in presentation mode, plus extra cells."""
    import nbformat

    from course.lecture import live_only_notebook

    notebook = live_only_notebook(source)
    if presentation_scale:
        heading = next(i for i, c in enumerate(notebook.cells)
                       if c.cell_type == "markdown" and re.search(r"^#{1,6}\s*Live lecture", c.source, re.M))
        notebook.cells.insert(heading + 1, nbformat.v4.new_code_cell(
            f"import course.widgets as cw\ncw.presentation(scale={presentation_scale})"))
    for source_text in extra_cells:
        notebook.cells.append(nbformat.v4.new_code_cell(source_text))
    nbformat.write(notebook, str(target))


def _run_lecture(lab, page, name, markers):
    """Open, Run All, check for errors, wait for the live widgets; returns the tagged cells."""
    _open_notebook(lab, page, name)
    ran_all = _run_all_cells(page)
    _wait_kernel_idle(page)
    problems = _cell_problems(page)
    assert ran_all and not problems, "Run All Cells: errors:\n" + "\n".join(problems)
    live = page.evaluate(JS_TAG_LIVE_LECTURE, markers)
    assert set(live["widgets"]) == set(markers), live
    page.wait_for_function(JS_LIVE_WIDGETS_RENDERED)
    return live


def _widget_output(page, key):
    return page.locator(f'.jp-Cell[data-live-widget="{key}"] .jp-OutputArea-output').filter(
        has=page.locator("img.widget-image"))


def _slider_list(scope):
    """[label, readout text] of every visible slider in scope, in page order."""
    return scope.locator(".widget-slider").evaluate_all(
        """nodes => nodes.filter(n => n.offsetParent !== null).map(n => [
             n.querySelector('label.widget-label').textContent.trim(),
             n.querySelector('.widget-readout').textContent.trim()])""")


def _slider_readouts(scope):
    """{label: readout text} of the visible sliders in scope (the last one for repeated labels)."""
    return dict(_slider_list(scope))


# The race's visible sliders in the order of its ui tree: [description, value].
KERNEL_SLIDERS = """
import ipywidgets as _w
def _visible_sliders(widget):
    if getattr(widget.layout, 'display', None) == 'none':
        return []
    if isinstance(widget, (_w.FloatSlider, _w.FloatLogSlider, _w.IntSlider)):
        return [[widget.description, widget.value]]
    return [s for child in getattr(widget, 'children', ()) for s in _visible_sliders(child)]
"""


def _number(text):
    """A readout as a float (d3-format writes minus signs as U+2212)."""
    return float(text.strip().replace("\u2212", "-"))


def _readout_matches(readout, value):
    """A readout shows value to its printed precision (3 significant digits or the printed decimals)."""
    shown = _number(readout)
    decimals = len(readout.split(".")[1].split("e")[0]) if "." in readout else 0
    return math.isclose(shown, value, rel_tol=5e-3) or abs(shown - value) <= 0.5 * 10**-decimals + 1e-12


RACE_STATE = (
    "{'landscape': race.landscape.name, 'x0': race.x0.tolist(),"
    " 'start': [race.start_sliders[k].value for k in ('x1', 'x2')],"
    " 'hparams': {n: {k: c.value for k, c in race.sliders[n].items() if not isinstance(c.value, str)}"
    "             for n in race.sliders},"
    " 'renders': race.figure.render_count, 'kappa': race.condition_slider.value,"
    " 'escaped': {n: bool(abs(p[-1, 1]) >= 1.5) for n, p in race.trajectories.items()},"
    " 'diverged': race.diverged}"
)


def test_lesson_05_live_race_values_from_code_and_landscape_switches_survive_the_browser(tmp_path):
    """Issue 13, item 1, in JupyterLab + Chromium on lesson 05's live-only twin (grading mode).

    After Run All and the widgets' first render, the browser has sent back every slider
    value: the race's state must equal the state the last cell recorded, with no rerun, and
    every readout must show the kernel's value. A value set from code afterwards (Adam's lr
    0.3) is shown as the kernel holds it (0.316) and survives the browser's echo. Landscape
    switches made in the browser's dropdown set the start to the landscape's x0 exactly
    (saddle, Himmelblau, quadratic: the stale-start bug), and on the saddle every path escapes.
    """
    _require_browser()
    started = time.monotonic()
    ARTIFACTS.mkdir(exist_ok=True)
    root = tmp_path / "root"
    root.mkdir()
    # The state when Run All ends, and a log of every later render: which widget's message from the
    # browser caused it (for the failure message).
    snapshot = (f"_recorded = {RACE_STATE}\n"
                "import traceback as _tb\n_render_log = []\n_render = race.figure.render\n"
                "def _logged_render(*args, **kwargs):\n"
                "    cause = next(([type(f.f_locals['self']).__name__, getattr(f.f_locals['self'], 'description', ''),\n"
                "                   repr(getattr(f.f_locals['self'], 'value', None))]\n"
                "                  for f, _ in _tb.walk_stack(None) if f.f_code.co_name == 'set_state'\n"
                "                  and 'self' in f.f_locals), 'not from the browser')\n"
                "    _render_log.append(cause)\n"
                "    return _render(*args, **kwargs)\n"
                "race.figure.render = _logged_render")
    _write_live_only(LESSON_05, root / "lesson05_live.ipynb", extra_cells=[snapshot])
    with _lab_page(root, tmp_path, extra_env=GRADING_ENV, viewport=(1400, 1100)) as (lab, page):
        _run_lecture(lab, page, "lesson05_live.ipynb", {"race": "OptimizerRace("})
        race_output = _widget_output(page, "race")
        race_output.evaluate("node => node.scrollIntoView({block: 'start'})")
        page.wait_for_timeout(3000)  # the front end's echoes of every slider reach the kernel
        recorded = _kernel_json(page, "_recorded")
        settled = _kernel_json(page, RACE_STATE)
        render_log = _kernel_json(page, "_render_log")
        readouts = _slider_readouts(race_output)
        shown_sliders = _slider_list(race_output)
        kernel_sliders = _kernel_json(page, "_visible_sliders(race.ui)", setup=KERNEL_SLIDERS)

        # From code, after display: the kernel snaps 0.3 onto the slider's grid at once.
        page.evaluate(JS_KERNEL_RUN, "race.sliders['Adam']['lr'].value = 0.3")
        adam_lr = _kernel_json(page, "race.sliders['Adam']['lr'].value")
        renders_after_set = _kernel_json(page, "race.figure.render_count")
        page.wait_for_timeout(2000)
        adam_lr_later = _kernel_json(page, "race.sliders['Adam']['lr'].value")
        renders_later = _kernel_json(page, "race.figure.render_count")
        adam_readout = race_output.locator(".widget-slider").filter(
            has=page.locator("label.widget-label", has_text=re.compile(r"^lr$"))).nth(5).locator(
            ".widget-readout").inner_text().strip()

        switches = []
        select = race_output.locator("select").first  # the landscape dropdown
        for landscape in ("saddle", "himmelblau", "quadratic"):
            select.select_option(landscape)
            _poll(page, lambda: _kernel_json(page, "race.landscape.name") == landscape, f"the switch to {landscape}")
            _wait_kernel_idle(page)
            page.wait_for_timeout(1500)  # let any echo of the old range or value arrive
            state = _kernel_json(page, RACE_STATE)
            x0 = _kernel_json(page, "race.landscape.x0.tolist()")
            shown = _slider_readouts(race_output)
            switches.append((landscape, state, x0, shown["start x1"], shown["start x2"]))
            page.screenshot(path=str(ARTIFACTS / f"lesson05_race_{landscape}.png"))
        problems = _cell_problems(page)

    print(f"lesson 05 browser-true test: {time.monotonic() - started:.1f} s; Adam lr from code 0.3 -> {adam_lr} "
          f"(readout {adam_readout}); switches: {[(s[0], s[1]['x0'], s[3], s[4]) for s in switches]}")
    assert not problems, problems
    assert settled == recorded, f"the browser's echoes changed the race after Run All: renders {render_log}"
    # Every readout in the page shows the value the kernel holds, slider by slider.
    assert [label for label, _ in shown_sliders] == [d for d, _ in kernel_sliders], (shown_sliders, kernel_sliders)
    for (label, readout), (_, value) in zip(shown_sliders, kernel_sliders):
        assert _readout_matches(readout, value), (label, readout, value)
    assert _number(readouts["start x1"]) == settled["start"][0] and _number(readouts["start x2"]) == settled["start"][1]
    assert adam_lr == adam_lr_later == pytest.approx(10 ** -0.5, rel=1e-11), (adam_lr, adam_lr_later)
    assert adam_readout == f"{adam_lr:.3g}" == "0.316"
    assert renders_later == renders_after_set, "the browser's echo of a value set from code made the race rerun"
    for landscape, state, x0, shown_x1, shown_x2 in switches:
        assert state["landscape"] == landscape
        assert state["x0"] == x0 and state["start"] == x0, (landscape, state["x0"], x0)
        assert _number(shown_x1) == x0[0] and _number(shown_x2) == x0[1], (landscape, shown_x1, shown_x2, x0)
        if landscape == "saddle":  # unbounded below: escaping paths run off (and stop as "diverged")
            assert all(state["escaped"].values()), f"paths that stay at the saddle: {state['escaped']}"
        else:  # the landscape's presets converge
            assert not any(state["diverged"].values()), (landscape, state["diverged"])

