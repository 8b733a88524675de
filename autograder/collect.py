"""`collect`: import LMS downloads (a zip or a folder) into submitted/<student>/<assignment>/.

Accepted layouts (paths relative to the zip or folder root; any wrapping folders are fine):

    <student>_<anything>_<notebook>.ipynb      flat, as Canvas names downloads
    <student>_<notebook>.ipynb                 flat, short
    <student>/<notebook>.ipynb                 a folder per student
    <student>_<anything>_assignsubmission_file_/<notebook>.ipynb   Moodle's folder per student

<notebook> is a lesson's notebook name, e.g. 01_finite_differences, optionally followed by the
copy suffix LMSs and browsers add ("-1", " (2)"). It also names the assignment unless
--assignment is given; then the student folder's notebook may have any name, and a flat file is
`<student>_<anything>.ipynb`. The student id is the part before the first underscore (or the
student folder's name), lowercased, reduced to [a-z0-9.-] (accents dropped), at most 64 chars.

Refused, each with its own error line while everything else is still imported: absolute paths,
`..` components, symlinks, files over MAX_FILE_BYTES, zips with more than MAX_MEMBERS members,
more than MAX_TOTAL_BYTES uncompressed or a member compressed more than MAX_RATIO times (zip
bombs), files that are not notebooks or do not parse. macOS metadata (__MACOSX/, ._*) and
dotfiles are skipped silently. Two files for the same student and notebook: the newer is kept.
"""

from __future__ import annotations

import json
import os
import re
import stat
import unicodedata
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from .notebooks import InvalidNotebook, parse_notebook

if TYPE_CHECKING:
    from .course import Course

MAX_MEMBERS = 5_000
MAX_FILE_BYTES = 50 * 2**20  # a notebook with many figures is a few MB
MAX_TOTAL_BYTES = 2 * 2**30
MAX_RATIO = 200  # notebooks compress about 3-10x; bombs compress 1000x and more
MAX_STUDENT_ID_CHARS = 64
COPY_SUFFIX = r"(?:-\d+| ?\(\d+\))?"
MOODLE_FOLDER = re.compile(r"^(?P<student>[^_]+)_.*assignsubmission", re.I)


@dataclass
class Candidate:
    """One file offered for import: where it came from, its path inside the download, its bytes."""

    origin: str
    relative: PurePosixPath
    read: object  # callable returning the bytes, at most MAX_FILE_BYTES + 1 of them
    mtime: float


@dataclass
class CollectResult:
    imported: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    notes: list = field(default_factory=list)


def collect(course: Course, source: str | Path, assignment: str | None = None) -> CollectResult:
    """Import every notebook in `source` (zip file or folder); returns a CollectResult."""
    source = Path(source)
    notebooks = _known_notebooks(course, assignment)
    result = CollectResult()
    if source.is_dir():
        candidates = _folder_candidates(source, result)
    elif source.is_file() and zipfile.is_zipfile(source):
        candidates = _zip_candidates(source, result)
    elif source.exists():
        raise ValueError(f"source {source} is neither a folder nor a zip file: pass the LMS download")
    else:
        raise ValueError(f"source {source} does not exist: pass the LMS download (zip or folder)")

    chosen, refused, origins, collided = {}, {}, {}, set()
    for candidate in candidates:
        target = _target(candidate.relative, notebooks, assignment, result)
        if target is None:
            continue
        *target, raw = target
        target = tuple(target)
        if target in collided:
            result.errors.append(f"{candidate.origin}: also maps to student {target[0]!r}; not imported")
            continue
        if target in origins and origins[target][0] != raw:
            other = origins[target][1]
            result.errors.append(
                f"{other} and {candidate.origin} come from different students ({origins[target][0]!r}, "
                f"{raw!r}) that both become student id {target[0]!r}: rename one; neither imported"
            )
            collided.add(target)
            chosen.pop(target, None)
            continue
        origins.setdefault(target, (raw, candidate.origin))
        data = candidate.read()
        if len(data) > MAX_FILE_BYTES:
            result.errors.append(
                f"{candidate.origin}: larger than {MAX_FILE_BYTES // 2**20} MB, not imported"
            )
            refused[target[:2]] = (
                f"collect refused {candidate.origin}: larger than {MAX_FILE_BYTES // 2**20} MB"
            )
            continue
        try:
            parse_notebook(data, name=candidate.origin)
        except InvalidNotebook as error:
            result.errors.append(f"{error}; not imported")
            refused[target[:2]] = f"collect refused it: {error}"
            continue
        previous = chosen.get(target)
        if previous is not None:
            older, newer = sorted([previous, (candidate, data)], key=lambda item: item[0].mtime)
            result.notes.append(
                f"{older[0].origin} and {newer[0].origin} are both "
                f"{target[0]}/{target[1]}/{target[2]}.ipynb: kept the newer, {newer[0].origin}"
            )
            chosen[target] = newer
        else:
            chosen[target] = (candidate, data)

    for (student, assignment_id, notebook), (candidate, data) in sorted(chosen.items()):
        folder = course.assignment_dir("submitted", assignment_id, student)
        folder.mkdir(parents=True, exist_ok=True)
        destination = folder / f"{notebook}.ipynb"
        temporary = destination.with_suffix(".ipynb.part")
        temporary.write_bytes(data)
        os.replace(temporary, destination)
        result.imported.append(f"{candidate.origin} -> {destination.relative_to(course.root)}")
    record_refusals(course, refused, imported={target[:2] for target in chosen})
    return result


REFUSALS_FILE = "collect.json"


def record_refusals(course: Course, refused: Iterable[Any], imported: Iterable[Any]) -> None:
    """Remember, in grading/collect.json, students whose only files for a lesson were refused, so
    that `report` lists them with the reason; a later successful import clears the entry."""
    path = course.state_dir / REFUSALS_FILE
    known = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    for student, assignment_id in imported:
        known.get(assignment_id, {}).pop(student, None)
    for (student, assignment_id), reason in refused.items():
        if (student, assignment_id) not in imported:
            known.setdefault(assignment_id, {})[student] = reason
    path.write_text(json.dumps(known, indent=1, sort_keys=True), encoding="utf-8")


def refusals(course: Course) -> dict[str, Any]:
    """{assignment: {student: reason}} recorded by `collect`."""
    path = course.root / course.state_dir.name / REFUSALS_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def sanitize_student_id(raw: str) -> str:
    """A safe student id from an LMS name: ascii, lowercase, [a-z0-9.-], no leading dot; or ValueError."""
    folded = unicodedata.normalize("NFKD", raw).encode("ascii", "ignore").decode("ascii").lower()
    cleaned = re.sub(r"[^a-z0-9.-]+", "-", folded).strip("-.")
    cleaned = re.sub(r"-{2,}", "-", cleaned)[:MAX_STUDENT_ID_CHARS].strip("-.")
    if not cleaned:
        raise ValueError(
            f"cannot make a student id from {raw!r}: rename the file as <student>_<notebook>.ipynb"
        )
    return cleaned


def _known_notebooks(course, assignment):
    """{notebook name: assignment} for the assignments that can receive submissions."""
    assignments = [assignment] if assignment else course.lessons()
    if not assignments:
        raise ValueError(f"no lessons under {course.step_dir('source')}: nothing to collect for")
    known = {}
    for name in assignments:
        for notebook in course.notebook_names(name):
            known[notebook] = name
    return known


def _target(relative, notebooks, assignment, result):
    """(student, assignment, notebook) for a file, or None after recording why not."""
    parts = relative.parts
    name = parts[-1]
    if any(part == "__MACOSX" for part in parts) or any(part.startswith(".") for part in parts):
        return None
    if not name.lower().endswith(".ipynb"):
        result.errors.append(f"{relative}: not a notebook (.ipynb), not imported")
        return None
    stem = name[: -len(".ipynb")]
    parent = parts[-2] if len(parts) >= 2 else None
    lessons = set(notebooks.values())
    if (
        parent in lessons and len(parts) >= 3
    ):  # nbgrader's own layout: <student>/<assignment>/<notebook>.ipynb
        notebook = next(
            (
                n
                for n in sorted(notebooks, key=len, reverse=True)
                if notebooks[n] == parent and re.fullmatch(re.escape(n) + COPY_SUFFIX, stem)
            ),
            None,
        )
        if notebook is None and assignment == parent:
            notebook = next(n for n, a in notebooks.items() if a == parent)
        if notebook is not None:
            return _with_student(relative, parts[-3], parent, notebook, result, folder=True, names=notebooks)
    for notebook in sorted(notebooks, key=len, reverse=True):
        if re.fullmatch(re.escape(notebook) + COPY_SUFFIX, stem):  # <student>/<notebook>.ipynb
            return _with_student(
                relative, parent, notebooks[notebook], notebook, result, folder=True, names=notebooks
            )
        match = re.fullmatch(r"(?P<student>[^_]+)_(?:.*_)?" + re.escape(notebook) + COPY_SUFFIX, stem)
        if match:
            return _with_student(
                relative, match["student"], notebooks[notebook], notebook, result, names=notebooks
            )
    if assignment:
        notebook = next(n for n, a in notebooks.items() if a == assignment)
        flat = re.fullmatch(r"(?P<student>[^_]+)_.*", stem)
        if parent is not None and not flat:
            return _with_student(relative, parent, assignment, notebook, result, folder=True, names=notebooks)
        if flat:
            return _with_student(relative, flat["student"], assignment, notebook, result, names=notebooks)
        result.errors.append(
            f"{relative}: cannot tell the student: name it <student>_<anything>.ipynb "
            f"or put it in a folder named after the student; not imported"
        )
        return None
    result.errors.append(
        f"{relative}: no lesson notebook name in the file name "
        f"(expected one of {', '.join(sorted(notebooks))}, or pass --assignment); not imported"
    )
    return None


def _with_student(relative, raw, assignment, notebook, result, folder=False, names=()):
    if raw is None:
        result.errors.append(
            f"{relative}: a bare {notebook}.ipynb without a student folder or <student>_ prefix; not imported"
        )
        return None
    if folder:
        moodle = MOODLE_FOLDER.match(raw)
        raw = moodle["student"] if moodle else raw
    try:
        student = sanitize_student_id(raw)
    except ValueError as error:
        result.errors.append(f"{relative}: {error}; not imported")
        return None
    lesson_names = (
        {sanitize_student_id(n) for n in list(names) + list(dict(names).values())} if names else set()
    )
    if student in lesson_names:
        result.errors.append(
            f"{relative}: the student id would be {student!r}, which is a lesson's name: the "
            f"folder layout is ambiguous; use <student>/<lesson>/<notebook>.ipynb or "
            f"<student>_<notebook>.ipynb; not imported"
        )
        return None
    return student, assignment, notebook, raw


def _safe_relative(name):
    """The member name as a relative path, or None if it is absolute or climbs out with '..'."""
    normalized = name.replace("\\", "/")
    if normalized.startswith("/") or re.match(r"^[A-Za-z]:", normalized):
        return None
    path = PurePosixPath(normalized)
    if any(part == ".." for part in path.parts):
        return None
    return path


def _zip_candidates(source, result):
    with zipfile.ZipFile(source) as archive:
        members = archive.infolist()
    if len(members) > MAX_MEMBERS:
        result.errors.append(
            f"{source}: {len(members)} members, more than {MAX_MEMBERS}: refusing the whole zip (a zip bomb?)"
        )
        return []
    total = sum(member.file_size for member in members)
    if total > MAX_TOTAL_BYTES:
        result.errors.append(
            f"{source}: {total / 2**30:.1f} GB uncompressed, more than "
            f"{MAX_TOTAL_BYTES // 2**30} GB: refusing the whole zip (a zip bomb?)"
        )
        return []
    candidates = []
    for member in members:
        if member.is_dir():
            continue
        relative = _safe_relative(member.filename)
        if relative is None:
            result.errors.append(
                f"{member.filename}: absolute path or '..' in a zip member name; not imported"
            )
            continue
        if stat.S_ISLNK(member.external_attr >> 16):
            result.errors.append(f"{member.filename}: a symbolic link; not imported")
            continue
        if member.file_size > MAX_FILE_BYTES:
            result.errors.append(
                f"{member.filename}: {member.file_size / 2**20:.0f} MB uncompressed, more than "
                f"{MAX_FILE_BYTES // 2**20} MB; not imported"
            )
            continue
        if member.file_size > 2**20 and member.file_size > MAX_RATIO * max(member.compress_size, 1):
            result.errors.append(
                f"{member.filename}: compressed {member.file_size // max(member.compress_size, 1)}x, "
                f"more than {MAX_RATIO}x (a zip bomb?); not imported"
            )
            continue
        candidates.append(
            Candidate(member.filename, relative, _zip_reader(source, member), _zip_mtime(member))
        )
    return candidates


def _zip_reader(source, member):
    def read():
        # The header's size can lie; never read more than the cap allows.
        with zipfile.ZipFile(source) as archive, archive.open(member) as handle:
            return handle.read(MAX_FILE_BYTES + 1)

    return read


def _zip_mtime(member):
    import datetime as dt

    try:
        return dt.datetime(*member.date_time).timestamp()
    except ValueError:
        return 0.0


def _folder_candidates(source, result):
    candidates = []
    for directory, subdirectories, files in os.walk(source, followlinks=False):
        for name in list(subdirectories):
            if os.path.islink(os.path.join(directory, name)):
                result.errors.append(
                    f"{Path(directory, name).relative_to(source)}: a symbolic link to a folder; not followed"
                )
                subdirectories.remove(name)
        for name in sorted(files):
            path = Path(directory, name)
            relative = PurePosixPath(path.relative_to(source).as_posix())
            if path.is_symlink():
                result.errors.append(f"{relative}: a symbolic link; not imported")
                continue
            if not path.is_file():
                result.errors.append(f"{relative}: not a regular file; not imported")
                continue
            candidates.append(Candidate(str(relative), relative, _file_reader(path), path.stat().st_mtime))
    return candidates


def _file_reader(path):
    def read():
        with open(path, "rb") as handle:
            return handle.read(MAX_FILE_BYTES + 1)

    return read
