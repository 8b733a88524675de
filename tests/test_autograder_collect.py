"""`collect`: LMS downloads into submitted/<student>/<assignment>/, safely. No grading here."""

import os
import zipfile

import nbformat
import pytest
from grading_runs import repository_course
from synthetic_lesson import SYNTHETIC_LESSON, synthetic_notebook, write_synthetic_lesson

from autograder import collect as collect_module
from autograder.cli import main
from autograder.collect import collect, sanitize_student_id
from autograder.course import Course

LESSON = SYNTHETIC_LESSON
OTHER = "02_other_lesson"


@pytest.fixture
def course(tmp_path):
    root = tmp_path / "course"
    root.mkdir()
    (root / "nbgrader_config.py").write_text((repository_course().root / "nbgrader_config.py").read_text())
    write_synthetic_lesson(root / "notebooks", LESSON)
    write_synthetic_lesson(root / "notebooks", OTHER)
    return Course.open(root)


@pytest.fixture
def notebook_text():
    return nbformat.writes(synthetic_notebook())


def _submitted(course):
    base = course.step_dir("submitted")
    return sorted(str(p.relative_to(base)) for p in base.rglob("*.ipynb")) if base.exists() else []


def test_zip_layouts_map_to_students(course, tmp_path, notebook_text):
    archive = tmp_path / "download.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(f"submissions/alice_12345_67890_{LESSON}.ipynb", notebook_text)  # Canvas
        z.writestr(f"bob_{OTHER}.ipynb", notebook_text)
        z.writestr(f"Zoë Čapek/{LESSON}.ipynb", notebook_text)  # folder per student
        z.writestr(f"Dan Brown_555_assignsubmission_file_/{LESSON} (1).ipynb", notebook_text)  # Moodle
        z.writestr(f"erin_1_{LESSON}-2.ipynb", notebook_text)  # LMS copy suffix
    result = collect(course, archive)
    assert not result.errors, result.errors
    assert _submitted(course) == sorted(
        [
            f"alice/{LESSON}/{LESSON}.ipynb",
            f"bob/{OTHER}/{OTHER}.ipynb",
            f"zoe-capek/{LESSON}/{LESSON}.ipynb",
            f"dan-brown/{LESSON}/{LESSON}.ipynb",
            f"erin/{LESSON}/{LESSON}.ipynb",
        ]
    )


def test_bad_members_each_get_an_error_and_the_rest_is_imported(course, tmp_path, notebook_text):
    archive = tmp_path / "download.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(f"good_{LESSON}.ipynb", notebook_text)
        z.writestr(f"../escape_{LESSON}.ipynb", notebook_text)
        z.writestr(f"/etc/abs_{LESSON}.ipynb", notebook_text)
        z.writestr(f"..\\windows_{LESSON}.ipynb", notebook_text)
        link = zipfile.ZipInfo(f"link_{LESSON}.ipynb")
        link.external_attr = 0o120777 << 16
        z.writestr(link, "/etc/passwd")
        z.writestr(f"broken_{LESSON}.ipynb", "{ not json")
        z.writestr(f"notjupyter_{LESSON}.ipynb", '{"hello": 1}')
        z.writestr(f"script_{LESSON}.py", "print('hi')")
        z.writestr("stranger_notes.ipynb", notebook_text)
        z.writestr("__MACOSX/._good.ipynb", "resource fork")
        z.writestr(f"bomb_{LESSON}.ipynb", b"{" + b" " * (20 * 2**20) + b"}")
    result = collect(course, archive)
    assert _submitted(course) == [f"good/{LESSON}/{LESSON}.ipynb"]
    joined = "\n".join(result.errors)
    for name, reason in [
        ("../escape", "'..'"),
        ("/etc/abs", "absolute"),
        ("windows", "'..'"),
        ("link_", "symbolic link"),
        ("broken_", "not valid JSON"),
        ("notjupyter_", "not a Jupyter notebook"),
        ("script_", "not a notebook"),
        ("stranger_notes", "no lesson notebook name"),
        ("bomb_", "zip bomb"),
    ]:
        line = next((e for e in result.errors if name in e), None)
        assert line is not None and reason in line, f"no clear error for {name}: {joined}"
    assert len(result.errors) == 9  # one line per bad member, none for the macOS metadata
    assert not (course.root.parent / f"escape_{LESSON}.ipynb").exists()


def test_zip_limits_on_member_count_and_total_size(course, tmp_path, notebook_text, monkeypatch):
    archive = tmp_path / "many.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for index in range(5):
            z.writestr(f"s{index}_{LESSON}.ipynb", notebook_text)
    monkeypatch.setattr(collect_module, "MAX_MEMBERS", 4)
    result = collect(course, archive)
    assert result.imported == [] and "more than 4" in result.errors[0]
    monkeypatch.setattr(collect_module, "MAX_MEMBERS", 100)
    monkeypatch.setattr(collect_module, "MAX_TOTAL_BYTES", 3 * len(notebook_text))
    result = collect(course, archive)
    assert result.imported == [] and "uncompressed" in result.errors[0]


def test_header_sizes_that_lie_are_capped_on_read(course, tmp_path, monkeypatch):
    """A member whose real size exceeds the cap is refused even if its header claims less."""
    monkeypatch.setattr(collect_module, "MAX_FILE_BYTES", 1000)
    folder = tmp_path / "download"
    (folder / "amy").mkdir(parents=True)
    (folder / "amy" / f"{LESSON}.ipynb").write_text("{" + " " * 5000 + "}")
    result = collect(course, folder)
    assert result.imported == [] and "larger than" in result.errors[0]


def test_folder_with_symlinks_and_assignment_option(course, tmp_path, notebook_text):
    folder = tmp_path / "download"
    (folder / "Carl").mkdir(parents=True)
    (folder / "Carl" / "my work.ipynb").write_text(notebook_text)
    (folder / "dora_whatever.ipynb").write_text(notebook_text)
    outside = tmp_path / "secret.ipynb"
    outside.write_text(notebook_text)
    os.symlink(outside, folder / f"eve_{LESSON}.ipynb")
    os.symlink(tmp_path, folder / "loop")
    result = collect(course, folder, assignment=LESSON)
    assert _submitted(course) == [f"carl/{LESSON}/{LESSON}.ipynb", f"dora/{LESSON}/{LESSON}.ipynb"]
    assert any("eve_" in e and "symbolic link" in e for e in result.errors)
    assert any("loop" in e and "symbolic link" in e for e in result.errors)


def test_duplicates_keep_the_newer_file(course, tmp_path, notebook_text):
    folder = tmp_path / "download"
    (folder / "fay").mkdir(parents=True)
    old, new = folder / f"fay_1_{LESSON}.ipynb", folder / "fay" / f"{LESSON}.ipynb"
    old.write_text(notebook_text.replace("A synthetic lesson", "OLD VERSION"))
    new.write_text(notebook_text.replace("A synthetic lesson", "NEW VERSION"))
    os.utime(old, (1_000_000, 1_000_000))
    result = collect(course, folder)
    saved = (course.step_dir("submitted") / "fay" / LESSON / f"{LESSON}.ipynb").read_text()
    assert "NEW VERSION" in saved and "OLD VERSION" not in saved
    assert any("kept the newer" in note for note in result.notes)


def test_student_ids_are_sanitised():
    assert sanitize_student_id("Zoë Čapek") == "zoe-capek"
    assert sanitize_student_id("../../etc") == "etc"
    assert sanitize_student_id("  Mary-Jane.O'Neil ") == "mary-jane.o-neil"
    assert len(sanitize_student_id("x" * 200)) == 64
    with pytest.raises(ValueError, match="student id"):
        sanitize_student_id("Пётр")  # nothing ascii survives: a clear error, not an empty folder name
    with pytest.raises(ValueError, match="student id"):
        sanitize_student_id("..")


def test_cli_collect_reports_and_exits_non_zero_on_rejections(course, tmp_path, notebook_text, capsys):
    folder = tmp_path / "download"
    folder.mkdir()
    (folder / f"gus_{LESSON}.ipynb").write_text(notebook_text)
    (folder / f"hal_{LESSON}.ipynb").write_text("garbage")
    code = main(["collect", str(folder), "--course", str(course.root)])
    captured = capsys.readouterr()
    assert code == 1
    assert f"gus_{LESSON}.ipynb -> submitted/gus/{LESSON}/{LESSON}.ipynb" in captured.out
    assert f"hal_{LESSON}.ipynb" in captured.err and "not valid JSON" in captured.err
    assert main(["collect", str(tmp_path / "nowhere"), "--course", str(course.root)]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_nbgrader_layout_student_lesson_notebook(course, tmp_path, notebook_text):
    """<student>/<lesson>/<notebook>.ipynb (what `demo --into` and nbgrader's exchange write):
    the student is the outer folder, never the lesson folder."""
    folder = tmp_path / "download"
    for student in ("ann", "ben", "cy", "dee", "eve"):
        (folder / student / LESSON).mkdir(parents=True)
        (folder / student / LESSON / f"{LESSON}.ipynb").write_text(notebook_text)
    (folder / "fay" / OTHER).mkdir(parents=True)
    (folder / "fay" / OTHER / f"{OTHER}.ipynb").write_text(notebook_text)
    result = collect(course, folder)
    assert not result.errors and not result.notes, (result.errors, result.notes)
    assert _submitted(course) == sorted(
        [f"{s}/{LESSON}/{LESSON}.ipynb" for s in ("ann", "ben", "cy", "dee", "eve")]
        + [f"fay/{OTHER}/{OTHER}.ipynb"]
    )


def test_a_student_id_that_is_a_lesson_name_is_refused(course, tmp_path, notebook_text, capsys):
    folder = tmp_path / "download"
    (folder / LESSON).mkdir(parents=True)
    (folder / LESSON / f"{LESSON}.ipynb").write_text(notebook_text)  # the lesson folder, no student folder
    code = main(["collect", str(folder), "--course", str(course.root)])
    assert code == 1 and _submitted(course) == []
    assert "which is a lesson's name" in capsys.readouterr().err


def test_two_students_that_become_one_id_are_both_refused(course, tmp_path, notebook_text, capsys):
    folder = tmp_path / "download"
    for raw in ("Zoë", "zoe"):
        (folder / raw).mkdir(parents=True)
        (folder / raw / f"{LESSON}.ipynb").write_text(notebook_text)
    code = main(["collect", str(folder), "--course", str(course.root)])
    err = capsys.readouterr().err
    assert code == 1 and _submitted(course) == []
    assert "both become student id 'zoe'" in err and "neither imported" in err
