"""The driver that runs INSIDE the sandbox: executes notebook cells and serves calls on given inputs.

Everything in this file runs in the student's process, so nothing here is trusted: the grader
outside reads what this process sends as data (JSON frames whose arrays are raw bytes with an
allowed dtype) and decides every verdict itself. This file imports only the standard library
and numpy; the grader binds it read-only into the sandbox and runs it as a script:

    python -I -X utf8 driver.py REQUEST_FD REPLY_FD MAX_FRAME_BYTES

Requests (grader -> driver), one JSON frame each (8-byte big-endian length, then UTF-8 JSON):
    {"op": "exec", "source": str, "cell": int, "seconds": float}
        run one cell; reply {"op": "done", "outputs": [...], "error": null | {...}}
    {"op": "call", "name": str, "args": wire, "kwargs": wire, "seconds": float}
        call the notebook's function `name`; reply {"op": "returned", "value": wire,
        "args_after": wire, "kwargs_after": wire} or {"op": "raised", "ename", "evalue"}.
        While it runs, the driver may ask the grader to run a function or iterator the grader
        passed in: {"op": "callback", "handle": int, "method": "call" | "next", "args", "kwargs"},
        answered by {"op": "callback_result", "value"} or {"op": "callback_error", "ename", "evalue"}.
    {"op": "bye"}: exit.
The first frame the driver sends is {"op": "hello", ...} before any student code has run.

The same module is imported by the grader for `encode`/`decode` (one definition of the format).
"""

import ast
import base64
import builtins
import io
import json
import linecache
import os
import struct
import sys
import threading
import time
import traceback
import types

HEADER = struct.Struct(">Q")
MAX_DEPTH = 64
MAX_TEXT_PER_CELL = 1_000_000
MAX_PNG_BYTES = 4_000_000
# numpy dtype kinds that are plain numbers: bool, signed, unsigned, float, complex.
NUMERIC_KINDS = "biufc"
# Exceptions a call may report by name: the grader re-raises them as these builtin classes
# (anything else becomes a generic "raised" failure), so a hidden check that expects a ValueError
# can tell; nothing the student raises ever becomes an error of the grader's own.
REPORTED_EXCEPTIONS = (
    "ValueError",
    "TypeError",
    "NotImplementedError",
    "ZeroDivisionError",
    "IndexError",
    "KeyError",
    "AttributeError",
    "NameError",
    "AssertionError",
    "RuntimeError",
    "OverflowError",
    "FloatingPointError",
    "ArithmeticError",
    "LookupError",
    "RecursionError",
    "MemoryError",
    "UnboundLocalError",
    "StopIteration",
)


class WireError(ValueError):
    """A value that cannot cross the sandbox boundary (unknown type, too deep, bad array)."""


class Handle:
    """A grader-side function or iterator, passed by number (the grader keeps the object)."""

    def __init__(self, number, kind):
        self.number, self.kind = number, kind


# ---------------------------------------------------------------------------- the wire format


def encode(value, handles=None, depth=0, lenient=False):
    """`value` as JSON-ready data. Arrays become {"$array": [dtype, shape, base64]}.

    handles: a list to register callables and iterators in (the grader's side passes one; the
    driver's side passes None, and any callable it is asked to send is a WireError).
    lenient: send None for a value that cannot be sent instead of failing (the inputs as they
    are after a call, which may hold the grader's own functions).
    """
    if lenient:
        try:
            return encode(value, handles, depth)
        except WireError:
            if type(value) in (tuple, list):
                items = [encode(item, handles, depth + 1, lenient=True) for item in value]
                return {"$tuple": items} if type(value) is tuple else items
            if type(value) is dict:
                return {
                    "$dict": [
                        [encode(k, None, depth + 1), encode(v, handles, depth + 1, lenient=True)]
                        for k, v in value.items()
                        if type(k) in (str, int)
                    ]
                }
            return None
    if depth > MAX_DEPTH:
        raise WireError("nested too deeply")
    if value is None or type(value) in (bool, str):
        return value
    if type(value) is int:
        return value if abs(value) < 2**63 else {"$bigint": str(value)}
    if type(value) is float:
        return value if value == value and abs(value) != float("inf") else {"$float": repr(value)}
    if type(value) is complex:
        return {"$complex": [encode(value.real), encode(value.imag)]}
    if type(value) is tuple:
        return {"$tuple": [encode(item, handles, depth + 1) for item in value]}
    if type(value) is list:
        return [encode(item, handles, depth + 1) for item in value]
    if type(value) is dict:
        return {
            "$dict": [
                [encode(k, handles, depth + 1), encode(v, handles, depth + 1)] for k, v in value.items()
            ]
        }
    import numpy as np

    if isinstance(value, np.ndarray) and type(value) is np.ndarray:
        if value.dtype.kind not in NUMERIC_KINDS or value.dtype.fields is not None:
            raise WireError(f"an array of dtype {value.dtype} (only numeric arrays can be graded)")
        data = np.ascontiguousarray(value)
        return {
            "$array": [data.dtype.str, list(data.shape), base64.b64encode(data.tobytes()).decode("ascii")]
        }
    if isinstance(value, np.generic) and type(value).__module__ == "numpy":
        if value.dtype.kind not in NUMERIC_KINDS:
            raise WireError(f"a numpy scalar of dtype {value.dtype}")
        return {"$scalar": [value.dtype.str, base64.b64encode(value.tobytes()).decode("ascii")]}
    if handles is not None and (callable(value) or hasattr(value, "__next__")):
        handles.append(value)
        return {"$handle": [len(handles) - 1, "call" if callable(value) else "next"]}
    raise WireError(f"a value of type {type(value).__name__}")


def decode(data, make_handle=None, depth=0):
    """The inverse of `encode`; builds only numbers, strings, containers and numeric arrays.

    make_handle(number, kind): what a "$handle" becomes (the driver's side only); elsewhere a
    handle is a WireError, so a reply can never smuggle in anything callable.
    """
    if depth > MAX_DEPTH:
        raise WireError("nested too deeply")
    if data is None or type(data) in (bool, int, float, str):
        return data
    if type(data) is list:
        return [decode(item, make_handle, depth + 1) for item in data]
    if type(data) is not dict or len(data) != 1:
        raise WireError("malformed value")
    ((tag, body),) = data.items()
    if tag == "$float" and body in ("nan", "inf", "-inf"):
        return float(body)
    if tag == "$bigint" and type(body) is str and len(body) < 5000:
        return int(body)
    if tag == "$complex" and type(body) is list and len(body) == 2:
        return complex(decode(body[0], None, depth + 1), decode(body[1], None, depth + 1))
    if tag == "$tuple" and type(body) is list:
        return tuple(decode(item, make_handle, depth + 1) for item in body)
    if tag == "$dict" and type(body) is list:
        pairs = {}
        for pair in body:
            if type(pair) is not list or len(pair) != 2:
                raise WireError("malformed dict")
            key = decode(pair[0], None, depth + 1)
            if type(key) not in (str, int, float, bool, tuple) and key is not None:
                raise WireError("unhashable dict key")
            pairs[key] = decode(pair[1], make_handle, depth + 1)
        return pairs
    if tag == "$array" and type(body) is list and len(body) == 3:
        return _decode_array(*body)
    if tag == "$scalar" and type(body) is list and len(body) == 2:
        return _decode_array(body[0], [], body[1])[()]
    if tag == "$handle" and make_handle is not None and type(body) is list and len(body) == 2:
        return make_handle(int(body[0]), str(body[1]))
    raise WireError(f"unknown tag {str(tag)[:20]!r}")


def _decode_array(dtype_str, shape, payload):
    import numpy as np

    if type(dtype_str) is not str or type(shape) is not list or type(payload) is not str:
        raise WireError("malformed array")
    try:
        dtype = np.dtype(dtype_str)
    except TypeError:
        raise WireError("unknown dtype") from None
    if dtype.kind not in NUMERIC_KINDS or dtype.fields is not None or dtype.hasobject:
        raise WireError("non-numeric dtype")
    if len(shape) > 32 or any(type(n) is not int or n < 0 for n in shape):
        raise WireError("bad shape")
    raw = base64.b64decode(payload.encode("ascii"), validate=True)
    count = 1
    for n in shape:
        count *= n
    if count * dtype.itemsize != len(raw):
        raise WireError("array data does not match its shape")
    return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()


# ---------------------------------------------------------------------------- framing


def write_frame(fd, message):
    body = json.dumps(message, allow_nan=False).encode("utf-8")
    view = memoryview(HEADER.pack(len(body)) + body)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def read_frame(fd, max_bytes, deadline=None):
    """The next frame from `fd` as a dict; EOFError at end of file; TimeoutError past `deadline`
    (time.monotonic()); ValueError when the frame is larger than `max_bytes` or not JSON."""
    header = _read_exact(fd, HEADER.size, deadline)
    (length,) = HEADER.unpack(header)
    if length > max_bytes:
        raise ValueError(f"a frame of {length} bytes (the limit is {max_bytes})")
    message = json.loads(_read_exact(fd, length, deadline).decode("utf-8"))
    if type(message) is not dict:
        raise ValueError("a frame that is not a JSON object")
    return message


def _read_exact(fd, count, deadline):
    import select

    chunks, remaining = [], count
    while remaining:
        if deadline is not None:
            wait = deadline - time.monotonic()
            if wait <= 0 or not select.select([fd], [], [], wait)[0]:
                raise TimeoutError("no reply in time")
        chunk = os.read(fd, min(remaining, 1 << 20))
        if not chunk:
            raise EOFError("the other side closed the channel")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


# ---------------------------------------------------------------------------- inside the sandbox


class Capture(io.TextIOBase):
    """sys.stdout / sys.stderr during a cell: appends stream outputs, at most MAX_TEXT_PER_CELL."""

    def __init__(self, driver, name):
        self.driver, self.name = driver, name

    def writable(self):
        return True

    def write(self, text):
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        self.driver.add_stream(self.name, text)
        return len(text)

    @property
    def encoding(self):
        return "utf-8"


class Driver:
    def __init__(self, request_fd, reply_fd, max_frame):
        self.request_fd, self.reply_fd, self.max_frame = request_fd, reply_fd, max_frame
        self.outputs, self.text_budget, self.recording = [], MAX_TEXT_PER_CELL, True
        self.handles_open = False
        self.user = types.ModuleType("__main__")
        self.user.__dict__["__builtins__"] = builtins
        self.namespace = self.user.__dict__

    # -- outputs of the running cell
    def add_stream(self, name, text):
        if not self.recording or not text:
            return
        if self.text_budget <= 0:
            return
        if len(text) > self.text_budget:
            text = text[: self.text_budget] + "\n[output truncated: more than 1,000,000 characters]\n"
        self.text_budget -= len(text)
        last = self.outputs[-1] if self.outputs else None
        if last and last["output_type"] == "stream" and last["name"] == name:
            last["text"] += text
        else:
            self.outputs.append({"output_type": "stream", "name": name, "text": text})

    def add_display(self, obj, kind="display_data"):
        if not self.recording:
            return
        data = {}
        try:
            png = obj._repr_png_() if hasattr(obj, "_repr_png_") else None
            if isinstance(png, bytes) and len(png) <= MAX_PNG_BYTES:
                data["image/png"] = base64.b64encode(png).decode("ascii")
        except Exception:
            pass
        try:
            markdown = obj._repr_markdown_() if hasattr(obj, "_repr_markdown_") else None
        except Exception:
            markdown = None
        text = markdown if isinstance(markdown, str) else _safe_repr(obj)
        data["text/plain"] = text[:MAX_TEXT_PER_CELL]
        self.outputs.append({"output_type": kind, "data": data})

    def flush_figures(self):
        pyplot = sys.modules.get("matplotlib.pyplot")
        if pyplot is None:
            return
        for number in list(pyplot.get_fignums()):
            figure = pyplot.figure(number)
            buffer = io.BytesIO()
            try:
                figure.savefig(buffer, format="png", bbox_inches="tight")
            except Exception as error:
                self.add_stream("stderr", f"could not draw figure {number}: {error}\n")
            else:
                if buffer.tell() <= MAX_PNG_BYTES and self.recording:
                    self.outputs.append(
                        {
                            "output_type": "display_data",
                            "data": {
                                "image/png": base64.b64encode(buffer.getvalue()).decode("ascii"),
                                "text/plain": f"<Figure {number}>",
                            },
                        }
                    )
        pyplot.close("all")

    # -- requests
    def serve(self):
        write_frame(
            self.reply_fd,
            {
                "op": "hello",
                "uid": os.getuid(),
                "pid": os.getpid(),
                "python": sys.version.split()[0],
                "cwd": os.getcwd(),
            },
        )
        while True:
            try:
                request = read_frame(self.request_fd, self.max_frame)
            except EOFError:
                return
            op = request.get("op")
            if op == "exec":
                reply = self.run_cell(
                    str(request.get("source", "")),
                    int(request.get("cell", 0)),
                    float(request.get("seconds", 0)),
                )
            elif op == "call":
                reply = self.call(request)
            elif op == "bye":
                return
            else:
                reply = {"op": "raised", "ename": "RuntimeError", "evalue": f"unknown request {op!r}"}
            self.send(reply)

    def send(self, message):
        try:
            write_frame(self.reply_fd, message)
        except (TypeError, ValueError) as error:  # e.g. text that is not valid Unicode
            write_frame(
                self.reply_fd,
                {"op": "raised", "ename": "RuntimeError", "evalue": f"the result could not be sent: {error}"},
            )

    def run_cell(self, source, index, seconds):
        self.outputs, self.text_budget, self.recording = [], MAX_TEXT_PER_CELL, True
        filename = f"<cell {index}>"
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        error = None
        with _Redirect(self), _Alarm(seconds):
            try:
                tree = ast.parse(source, filename)
                last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
                exec(compile(tree, filename, "exec"), self.namespace)
                if last is not None:
                    value = eval(compile(ast.Expression(last.value), filename, "eval"), self.namespace)
                    if value is not None:
                        self.add_display(value, kind="execute_result")
                self.flush_figures()
            except BaseException as exc:  # the student's code may raise anything, SystemExit too
                error = _describe(exc)
                try:
                    self.flush_figures()
                except BaseException:
                    pass
        return {"op": "done", "outputs": self.outputs, "error": error}

    def call(self, request):
        """Call the notebook's function `name` on decoded inputs; output it prints is dropped."""
        self.recording = False
        name = str(request.get("name", ""))
        try:
            args = decode(request.get("args"), self.remote)
            kwargs = decode(request.get("kwargs"), self.remote)
        except Exception as error:
            return {"op": "raised", "ename": "RuntimeError", "evalue": f"inputs could not be read: {error}"}
        function = self.namespace.get(name)
        if function is None:
            return {
                "op": "raised",
                "ename": "NameError",
                "evalue": f"name {name!r} is not defined (did its cell run without errors?)",
            }
        self.handles_open = True
        with _Redirect(self), _Alarm(float(request.get("seconds", 0))):
            try:
                value = function(*args, **kwargs)
                reply = {
                    "op": "returned",
                    "value": encode(value),
                    "args_after": encode(tuple(args), lenient=True),
                    "kwargs_after": encode(dict(kwargs), lenient=True),
                }
            except WireError as error:
                reply = {
                    "op": "raised",
                    "ename": "TypeError",
                    "evalue": f"returned {error}, which cannot be graded: return numbers, arrays, "
                    f"lists, tuples or dicts of them",
                }
            except BaseException as exc:
                reply = {"op": "raised", "ename": _reported_name(exc), "evalue": _safe_str(exc)}
        self.handles_open = False
        return reply

    def remote(self, number, kind):
        driver = self

        def ask(method, args, kwargs):
            if not driver.handles_open:
                raise RuntimeError("this input is only available while the grader's call runs")
            write_frame(
                driver.reply_fd,
                {
                    "op": "callback",
                    "handle": number,
                    "method": method,
                    "args": encode(tuple(args)),
                    "kwargs": encode(dict(kwargs)),
                },
            )
            while True:
                message = read_frame(driver.request_fd, driver.max_frame)
                if message.get("op") == "callback_result":
                    return decode(message.get("value"), driver.remote)
                if message.get("op") == "callback_error":
                    ename = message.get("ename")
                    if ename == "StopIteration":
                        raise StopIteration
                    error_class = (
                        getattr(builtins, ename, RuntimeError)
                        if ename in REPORTED_EXCEPTIONS
                        else RuntimeError
                    )
                    raise error_class(str(message.get("evalue", "")))
                if message.get("op") == "call":  # the grader's function calls back into the notebook
                    driver.send(driver.call(message))
                    driver.handles_open = True
                    continue
                raise RuntimeError(f"unexpected message {message.get('op')!r}")

        if kind == "next":

            class RemoteIterator:
                def __iter__(self):
                    return self

                def __next__(self):
                    return ask("next", (), {})

            return RemoteIterator()

        def remote_function(*args, **kwargs):
            return ask("call", args, kwargs)

        remote_function.__name__ = remote_function.__qualname__ = f"grader_input_{number}"
        return remote_function


class _Redirect:
    def __init__(self, driver):
        self.driver = driver

    def __enter__(self):
        self.saved = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = Capture(self.driver, "stdout"), Capture(self.driver, "stderr")

    def __exit__(self, *exc):
        sys.stdout, sys.stderr = self.saved


class _Alarm:
    """KeyboardInterrupt in the main thread after `seconds` (the grader also keeps its own clock)."""

    def __init__(self, seconds):
        self.seconds = seconds

    def __enter__(self):
        import _thread

        self.timer = None
        if self.seconds > 0:
            self.timer = threading.Timer(self.seconds, _thread.interrupt_main)
            self.timer.daemon = True
            self.timer.start()

    def __exit__(self, *exc):
        if self.timer is not None:
            self.timer.cancel()


def _reported_name(exc):
    for klass in type(exc).__mro__:
        if klass.__module__ == "builtins" and klass.__name__ in REPORTED_EXCEPTIONS:
            return klass.__name__
    return "Exception"


def _safe_str(exc):
    try:
        return str(exc)[:2000]
    except BaseException:
        return "(the message could not be shown)"


def _safe_repr(obj):
    try:
        return repr(obj)
    except BaseException:
        return f"<{type(obj).__name__} object>"


def _describe(exc):
    """An error output for `exc`: the traceback through the notebook's cells, not this driver."""
    try:
        frames = [frame for frame in traceback.extract_tb(exc.__traceback__) if frame.filename != __file__]
        lines = ["Traceback (most recent call last):\n"] + traceback.format_list(frames)
        lines += traceback.format_exception_only(type(exc), exc)
        name = type(exc).__name__
    except BaseException:
        lines, name = ["(the error could not be described)\n"], "Exception"
    return {"ename": name[:200], "evalue": _safe_str(exc), "traceback": ["".join(lines)[:50_000]]}


# -- matplotlib backend: figures become PNG outputs of the cell that drew them (like "inline")

BACKEND = "autograder_inline_backend"


def show(*args, **kwargs):
    if DRIVER is not None:
        DRIVER.flush_figures()


class _BackendLoader:
    """Builds the module matplotlib imports for MPLBACKEND=module://autograder_inline_backend."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != BACKEND:
            return None
        import importlib.machinery

        return importlib.machinery.ModuleSpec(fullname, self)

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        from matplotlib.backend_bases import FigureManagerBase
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        module.FigureCanvas, module.FigureManager, module.show = FigureCanvasAgg, FigureManagerBase, show


class _DisplayHook:
    """Make IPython.display.display put objects into the cell's outputs (no kernel here)."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "IPython.core.display_functions":
            return None
        sys.meta_path.remove(self)
        try:
            import importlib.util

            spec = importlib.util.find_spec(fullname)
        finally:
            sys.meta_path.insert(0, self)
        if spec is None or spec.loader is None:
            return None
        original = spec.loader.exec_module

        def exec_module(module):
            original(module)
            module.display = _display

        spec.loader.exec_module = exec_module
        return spec


def _display(*objs, **kwargs):
    for obj in objs:
        if DRIVER is not None:
            DRIVER.add_display(obj)


DRIVER = None


def main(argv):
    global DRIVER
    request_fd, reply_fd, max_frame = int(argv[1]), int(argv[2]), int(argv[3])
    font_cache = os.environ.pop("AUTOGRADER_MPL_FONT_CACHE", "")
    config_dir = os.environ.get("MPLCONFIGDIR", "")
    if (
        font_cache and config_dir and os.path.isfile(font_cache)
    ):  # the grader's, so matplotlib need not rebuild it
        import shutil

        os.makedirs(config_dir, exist_ok=True)
        shutil.copy(font_cache, os.path.join(config_dir, os.path.basename(font_cache)))
    files = os.environ.pop("AUTOGRADER_FILES", "")
    if files and os.path.isdir(files):  # the submission's folder, copied into the scratch folder
        import shutil

        for entry in os.scandir(files):
            target = os.path.join(os.getcwd(), entry.name)
            if entry.is_dir(follow_symlinks=False):
                shutil.copytree(entry.path, target, symlinks=True)
            elif entry.is_file(follow_symlinks=False):
                shutil.copy(entry.path, target)
    os.environ.setdefault("MPLBACKEND", f"module://{BACKEND}")
    sys.meta_path[:0] = [_DisplayHook(), _BackendLoader()]
    DRIVER = Driver(request_fd, reply_fd, max_frame)
    sys.modules["__main__"] = DRIVER.user
    sys.argv = ["notebook"]
    DRIVER.serve()


if __name__ == "__main__":
    main(sys.argv)
