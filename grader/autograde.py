"""Autograde learners' notebooks for one lab with nbgrader, and read back each question's score."""

from __future__ import annotations

import errno
import os
import shutil
import stat
import string
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook
from nbgrader.converters import GenerateAssignment, GenerateFeedback

from grader.assignments import Assignment
from grader.config import CoursePaths, nbgrader_config
from grader.course import settings
from grader.lateness import timestamp_from_text
from grader.merge import restore_lab_cells
from grader.release import check_source
from grader.runner import NbgraderFailed, run_converter
from grader.scratch import kernel_tmpdir
from grader.trust.cells import trusted_metadata
from grader.trust.grading import autograde_in_jail
from grader.trust.jail import Limits, course_hidden_paths

NOTEBOOK_LIMIT_BYTES = 100_000_000  # nbgrader's own cap on a collected file (CourseDirectory.max_file_size)
_TIMESTAMP_LIMIT_BYTES = 4096
_LEARNER_CHARACTERS = frozenset(string.ascii_letters + string.digits + "_.-@+")
_LONGEST_LEARNER = 128  # characters: nbgrader's gradebook keeps a student id in a String(128) column
_OPEN_FILE = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC  # NONBLOCK: a FIFO cannot hang us
_OPEN_FOLDER = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


class SubmissionRefused(ValueError):
    """A submitted file that is not graded: a link, not a regular file, too large; the message says which."""


class _TooLarge(SubmissionRefused):
    """A submitted file over the size accepted for it."""


@dataclass(frozen=True)
class Submission:
    """One learner's notebook for a lab, as found in the class's folder, or why it cannot be graded.

    `content` is the notebook as read when it was found, without following any link, so what is graded is
    what was checked. A refused submission (`problem` set) is never graded: it is reported with that reason.
    """

    learner: str  # the learner's id, or "[name as found]" when the name cannot be one (see learner_name_problem)
    notebook: Path
    content: bytes | None = field(default=None, repr=False, compare=False)
    submitted_at: datetime | None = None
    problem: str = ""
    notes: tuple[str, ...] = ()
    folder: Path | None = None  # the class's folder it was found in, kept out of reach while it is graded

    def read(self) -> bytes:
        """The notebook's bytes: as read when found, else read now without following a link."""
        if self.content is not None:
            return self.content
        return read_unlinked(self.notebook)

    def class_folder(self) -> Path:
        """The folder holding every learner's submission, which this learner's code must not see."""
        if self.folder is not None:
            return self.folder
        folder = self.notebook.parent
        if folder.name == self.learner:  # <learner>/<lab>.ipynb
            return folder.parent
        if folder.parent.name == self.learner:  # nbgrader's <learner>/<lab>/<lab>.ipynb
            return folder.parent.parent
        return folder


@dataclass
class Result:
    """A graded submission: points per question (test cell id), in notebook order, or why grading failed."""

    learner: str
    scores: dict[str, float] = field(default_factory=dict)
    max_scores: dict[str, float] = field(default_factory=dict)
    feedback: Path | None = None
    error: str = ""
    notes: list[str] = field(default_factory=list)  # what happened while grading: timeouts, disagreements
    pending: set[str] = field(default_factory=set)  # manually graded cells that no instructor has graded yet

    @property
    def score(self) -> float:
        """Total points earned."""
        return sum(self.scores.values())

    @property
    def max_score(self) -> float:
        """Total points available."""
        return sum(self.max_scores.values())

    def fail(self, reason: str) -> None:
        """Make this an error result: no point of it counts; the points found so far are only noted."""
        if self.score:
            self.notes.append(f"{self.score:g} of {self.max_score:g} points were found but none count: {reason}")
        self.scores = dict.fromkeys(self.scores, 0.0)
        self.error = reason


def find_submissions(folder: Path, lab: Assignment) -> list[Submission]:
    """The submissions of `lab` in `folder`, by learner, each read (or refused) as data, never followed.

    `folder` holds `<learner>.ipynb` files, `<learner>/<lab>.ipynb` folders or nbgrader's collected
    `<learner>/<lab>/<lab>.ipynb` (nbgrader's submitted/ folder); an nbgrader course folder stands for its
    submitted/ folder (see class_folder). Nothing inside is opened through a link, and one learner's odd name
    or file is that learner's refused submission, never an error of the whole search.
    """
    folder = class_folder(folder)
    top = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)  # the folder itself: the instructor's choice
    try:
        with os.scandir(top) as listing:
            entries = sorted(listing, key=lambda entry: entry.name)
        found = [one for entry in entries if (one := _examine(folder, top, entry, lab)) is not None]
    finally:
        os.close(top)
    return _one_per_learner(found)


def class_folder(folder: Path) -> Path:
    """Where the submissions are: `folder`, or an nbgrader course folder's submitted/ folder.

    A folder with nbgrader_config.py is an nbgrader course; its own folders (source/, release/, ...) hold
    the instructor's notebooks, and `nbgrader collect` puts the learners' in its submitted/ folder.
    """
    if (folder / "nbgrader_config.py").is_file() and (folder / "submitted").is_dir():
        return folder / "submitted"
    return folder


def learner_name_problem(name: str) -> str:
    """Why `name` cannot be a learner's id, or "" when it can.

    A learner's id names folders and files while grading (as nbgrader's student id does) and a row of the
    exports, so it is kept to ASCII letters, digits, `_`, `.`, `-`, and the `@` and `+` of hub user names,
    starting with a letter, digit or `_` (never `.`, `..`, a hidden name, or a spreadsheet formula).
    """
    if not name:
        return "it is empty"
    if name in (".", ".."):
        return f"{name!r} names a folder, not a learner"
    if len(name) > _LONGEST_LEARNER:
        return f"it is longer than {_LONGEST_LEARNER} characters"
    odd = sorted(set(name) - _LEARNER_CHARACTERS)
    if odd:
        return f"it contains {', '.join(ascii(c) for c in odd)}"
    if not (name[0].isalnum() or name[0] == "_"):
        return f"it starts with {name[0]!r}"
    return ""


def is_learner_name(name: str) -> bool:
    """Whether `name` can be a learner's id (see learner_name_problem)."""
    return not learner_name_problem(name)


def read_unlinked(path: Path) -> bytes:
    """A file's bytes, opened without following a link at its last step (SubmissionRefused when it is one)."""
    try:
        handle = os.open(path, _OPEN_FILE)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise SubmissionRefused(_LINK_REASON) from None
        raise
    with open(handle, "rb") as stream:
        return stream.read()


def _examine(folder: Path, top: int, entry: os.DirEntry, lab: Assignment) -> Submission | None:
    """The submission an entry of the class's folder is, refused or not; None when it is none of lab's."""
    name = entry.name
    if entry.is_dir(follow_symlinks=False):
        return _from_learner_folder(folder, top, name, lab)
    notebook = folder / name
    if name.endswith(".ipynb"):
        learner = name.removesuffix(".ipynb")
        if problem := learner_name_problem(learner):
            return _bad_name(folder, name, problem)
        return _read_submission(folder, learner, notebook, _Place(top, name, name), None)
    if entry.is_symlink() and _leads_to_lab(notebook, lab):
        learner = name if is_learner_name(name) else _label(name)
        return Submission(learner, notebook, problem=_LINK.format(what=ascii(name)[1:-1]), folder=folder)
    return None


@dataclass(frozen=True)
class _Place:
    """A file in an opened folder: the folder's descriptor, the file's name there, and its path for messages."""

    folder: int
    name: str
    shown: str


def _from_learner_folder(folder: Path, top: int, name: str, lab: Assignment) -> Submission | None:
    """A learner's folder: `<lab>.ipynb` in it, or nbgrader's `<lab>/<lab>.ipynb`; None when neither."""
    notebook_name = f"{lab.id}.ipynb"
    shown = ascii(name)[1:-1]
    try:
        own = os.open(name, _OPEN_FOLDER, dir_fd=top)
    except OSError as error:
        if error.errno == errno.ELOOP:  # replaced by a link since it was listed
            learner = name if is_learner_name(name) else _label(name)
            return Submission(learner, folder / name, problem=_LINK.format(what=shown), folder=folder)
        return _unreadable(folder, name, shown, error)
    try:
        direct, entry = _lstat(own, notebook_name), _lstat(own, lab.id)
        nested_link = entry is not None and stat.S_ISLNK(entry.st_mode)
        nested = _nested_notebook(own, lab.id, notebook_name) if entry and stat.S_ISDIR(entry.st_mode) else None
        if direct is None and nested is None and not nested_link:
            return None  # a folder without this lab: another lab's, or not a learner's at all
        if problem := learner_name_problem(name):
            return _bad_name(folder, name, problem)
        if nested_link:
            return Submission(name, folder / name / lab.id, problem=_LINK.format(what=f"{name}/{lab.id}"),
                              folder=folder)
        if direct is not None and nested is not None:
            return Submission(name, folder / name, folder=folder, problem=(
                f"{shown}/ holds two notebooks for {lab.id}: {notebook_name} and {lab.id}/{notebook_name}. "
                "Keep the one to be graded and grade again."))
        if direct is not None:
            place = _Place(own, notebook_name, f"{shown}/{notebook_name}")
            return _read_submission(folder, name, folder / name / notebook_name, place, (own, f"{shown}/"))
        return _from_nbgrader_folder(folder, own, name, lab)
    finally:
        os.close(own)


def _from_nbgrader_folder(folder: Path, own: int, learner: str, lab: Assignment) -> Submission:
    """nbgrader's collected `<learner>/<lab>/<lab>.ipynb`, with its timestamp.txt beside the notebook."""
    notebook_name, where = f"{lab.id}.ipynb", f"{learner}/{lab.id}"
    notebook = folder / learner / lab.id / notebook_name
    try:
        inner = os.open(lab.id, _OPEN_FOLDER, dir_fd=own)
    except OSError as error:
        if error.errno == errno.ELOOP:  # replaced by a link since it was looked at
            return Submission(learner, notebook, problem=_LINK.format(what=where), folder=folder)
        return _unreadable(folder, learner, where, error)
    try:
        place = _Place(inner, notebook_name, f"{where}/{notebook_name}")
        return _read_submission(folder, learner, notebook, place, (inner, f"{where}/"))
    finally:
        os.close(inner)


def _nested_notebook(own: int, lab_id: str, notebook_name: str) -> os.stat_result | None:
    """The entry `<lab>/<lab>.ipynb` in a learner's folder, not followed; None when there is none."""
    try:
        inner = os.open(lab_id, _OPEN_FOLDER, dir_fd=own)
    except OSError:
        return None
    try:
        return _lstat(inner, notebook_name)
    finally:
        os.close(inner)


def _read_submission(folder: Path, learner: str, notebook: Path, place: _Place,
                     stamp_folder: tuple[int, str] | None) -> Submission:
    """Read a learner's notebook and, from their own folder, timestamp.txt; a refusal names its reason."""
    try:
        content, status = _read_regular(place.name, place.folder, NOTEBOOK_LIMIT_BYTES)
    except SubmissionRefused as refused:
        return Submission(learner, notebook, problem=f"{place.shown} {refused}", folder=folder)
    when = _file_time(status)
    notes: tuple[str, ...] = ()
    if when is None:
        problem = f"{place.shown} has a file time that is not a usable date, so when it was handed in is unknown."
        return Submission(learner, notebook, problem=problem, folder=folder)
    if stamp_folder is not None:
        try:
            stamped = _timestamp(*stamp_folder)
        except SubmissionRefused as refused:
            return Submission(learner, notebook, submitted_at=when, problem=str(refused), folder=folder)
        if stamped is not None:
            when = stamped
        elif _lstat(stamp_folder[0], "timestamp.txt") is not None:
            notes = ("timestamp.txt is empty, so the notebook file's time was taken as the time it was handed in",)
    return Submission(learner, notebook, content, when, notes=notes, folder=folder)


def _file_time(status: os.stat_result) -> datetime | None:
    """A file's modification time (UTC), or None when it is beyond what a date can hold."""
    try:
        return datetime.fromtimestamp(status.st_mtime, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _timestamp(folder: int, shown: str) -> datetime | None:
    """The time in timestamp.txt of a learner's own folder; None without one; SubmissionRefused if damaged."""
    if _lstat(folder, "timestamp.txt") is None:
        return None
    what = f"{shown}timestamp.txt"
    advice = ("Correct it (nbgrader writes, for example, 2026-03-01 12:34:56.789 UTC) or delete it to use the "
              "notebook file's time, then grade this learner again with --learner.")

    def damaged(reason: str) -> SubmissionRefused:
        return SubmissionRefused(f"{what} {reason}, so when it was handed in is unknown. {advice}")

    try:
        text = _read_regular("timestamp.txt", folder, _TIMESTAMP_LIMIT_BYTES)[0].decode("utf-8")
        return timestamp_from_text(text)
    except _TooLarge:
        raise damaged("is damaged: it is far longer than a date and time") from None
    except SubmissionRefused as refused:
        raise SubmissionRefused(f"{what} {refused}") from None
    except ValueError as error:  # not UTF-8 text, or not a date and time
        reason = "is not text" if isinstance(error, UnicodeDecodeError) else f"is damaged: {error}"
        raise damaged(reason) from None


def _read_regular(name: str, folder: int, limit: int) -> tuple[bytes, os.stat_result]:
    """Read a regular file of one name (in the folder opened as `folder`), never through a link.

    Refused (SubmissionRefused): a link, anything but a regular file (a FIFO or device could hang or feed
    endless data), a hard link (st_nlink > 1: it may be any file of the file system the grader can read),
    and a file over `limit` bytes.
    """
    try:
        before = os.stat(name, dir_fd=folder, follow_symlinks=False)
    except OSError as error:
        raise SubmissionRefused(f"could not be read ({error.strerror})") from None
    _check_regular(before, limit)
    try:
        handle = os.open(name, _OPEN_FILE, dir_fd=folder)
    except OSError as error:
        if error.errno == errno.ELOOP:  # replaced by a link since it was checked
            raise SubmissionRefused(_LINK_REASON) from None
        raise SubmissionRefused(f"could not be read ({error.strerror})") from None
    try:
        status = os.fstat(handle)
        _check_regular(status, limit)
        chunks, size = [], 0
        while chunk := os.read(handle, 1 << 20):
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:
                raise _TooLarge(_too_large(limit))
        return b"".join(chunks), status
    except OSError as error:
        raise SubmissionRefused(f"could not be read ({error.strerror})") from None
    finally:
        os.close(handle)


def _check_regular(status: os.stat_result, limit: int) -> None:
    """Refuse what is not a single-named regular file of at most `limit` bytes."""
    if stat.S_ISLNK(status.st_mode):
        raise SubmissionRefused(_LINK_REASON)
    if not stat.S_ISREG(status.st_mode):
        raise SubmissionRefused("is not a regular file; hand in the notebook file itself.")
    if status.st_nlink > 1:
        raise SubmissionRefused(
            f"is a hard link (the same file has {status.st_nlink} names on this disk), so it may be any file, "
            "such as a solution or another learner's work; links are never graded. Replace it with a copy of "
            "the learner's own file and grade again.")
    if status.st_size > limit:
        raise _TooLarge(_too_large(limit))


_LINK_REASON = ("is a symbolic link; links are never followed when grading, as they can point at any file "
                "(a solution, another learner's work). Replace it with the learner's own file and grade again.")
_LINK = "{what} " + _LINK_REASON


def _too_large(limit: int) -> str:
    """The reason a file over `limit` bytes is refused."""
    return f"is larger than {limit:,} bytes, the most accepted; hand in a smaller file."


def _lstat(folder: int, name: str) -> os.stat_result | None:
    """An entry of an opened folder, not followed; None when there is none (or it cannot be seen)."""
    try:
        return os.stat(name, dir_fd=folder, follow_symlinks=False)
    except OSError:
        return None


def _leads_to_lab(link: Path, lab: Assignment) -> bool:
    """Whether a link (to a folder) leads to a notebook of `lab`: only then is it reported, as a refused one."""
    return any(os.path.lexists(link / part) for part in (f"{lab.id}.ipynb", f"{lab.id}/{lab.id}.ipynb"))


def _label(name: str) -> str:
    """How a submission whose name is no learner's id is listed: the name as found, escaped, in brackets."""
    shown = ascii(name)[1:-1]
    return f"[{shown[:60]}{'...' if len(shown) > 60 else ''}]"


def _bad_name(folder: Path, name: str, problem: str) -> Submission:
    """The refused submission of an entry whose name gives no usable learner id."""
    reason = (f"{ascii(name)} does not give a usable learner name: {problem}. A learner name uses letters, digits "
              "and _ . - @ +, and starts with a letter, digit or _. Rename it after the learner's id and grade "
              "again.")
    return Submission(_label(name), folder / _label(name), problem=reason, folder=folder)


def _unreadable(folder: Path, name: str, shown: str, error: OSError) -> Submission:
    """The refused submission of a learner's folder that could not be opened."""
    learner = name if is_learner_name(name) else _label(name)
    reason = f"{shown} could not be read ({error.strerror}); check its permissions and grade again."
    return Submission(learner, folder / learner, problem=reason, folder=folder)


def _one_per_learner(found: list[Submission]) -> list[Submission]:
    """The submissions by learner; a learner found twice (a file and a folder) gets one refused entry."""
    by_learner: dict[str, list[Submission]] = {}
    for one in found:
        by_learner.setdefault(one.learner, []).append(one)
    return [group[0] if len(group) == 1 else _twice(learner, group) for learner, group in sorted(by_learner.items())]


def _twice(learner: str, group: list[Submission]) -> Submission:
    """The refused entry of a learner with more than one submission of the lab."""
    folder = group[0].folder or group[0].notebook.parent
    places = ", ".join(_relative(one.notebook, folder) for one in group)
    reason = f"more than one submission of this lab ({places}); keep the one to be graded and grade again."
    return Submission(learner, group[0].notebook, problem=reason, folder=folder)


def _relative(path: Path, folder: Path) -> str:
    """A path inside the class's folder, as shown in messages."""
    try:
        return ascii(str(path.relative_to(folder)))[1:-1]
    except ValueError:
        return ascii(path.name)[1:-1]


class LabGrader:
    """Grades submissions of one lab in a working folder holding nbgrader's gradebook and copies."""

    limits = Limits()  # what one submission may use while it is graded (see grader/trust/jail.py)

    def __init__(self, lab: Assignment, paths: CoursePaths | None = None) -> None:
        self.lab = lab
        self.paths = paths or CoursePaths()
        self.config = nbgrader_config(self.paths, cell_timeout=lab.cell_timeout)
        # The gradebook is rebuilt from solutions/ in the working folder, so labs/ is never written here.
        self.config.CourseDirectory.release_directory = self.paths.step("release")

    def prepare(self) -> None:
        """Record the lab's cells, points and tests in the gradebook, from the source notebook."""
        check_source(self.lab, self.paths.root)
        self.paths.work_dir.mkdir(parents=True, exist_ok=True)
        run_converter(GenerateAssignment, self.config, self.lab.id, force=True)

    def grade(self, submission: Submission) -> Result:
        """Autograde one submission; a failure goes in the result, not raised."""
        learner = submission.learner
        if submission.problem:  # refused when found: reported, never graded
            return Result(learner, error=submission.problem, max_scores=self.max_scores())
        try:
            notebook = nbformat.reads(submission.read().decode("utf-8"), as_version=4)
        except SubmissionRefused as refused:
            return Result(learner, error=f"{submission.notebook.name} {refused}", max_scores=self.max_scores())
        except Exception as error:  # the learner's own file, of any content: fails only this learner's result
            reason = f"{submission.notebook.name} is not a readable notebook ({type(error).__name__})"
            return Result(learner, error=reason, max_scores=self.max_scores())
        target = self.paths.work_dir / "submitted" / learner / self.lab.id
        if target.exists():
            shutil.rmtree(target)
        target.mkdir(parents=True)
        # nbgrader puts back a deleted test cell only when the cell before it survived; restoring every lab
        # cell first makes any deletion safe.
        released = self._released()
        try:
            merged = restore_lab_cells(trusted_metadata(notebook, released), released)
            nbformat.write(merged, target / f"{self.lab.id}.ipynb")
        except (AttributeError, KeyError, TypeError, ValueError) as error:  # cells or metadata of a wrong shape
            reason = f"{submission.notebook.name} has damaged cells or metadata ({type(error).__name__}: {error})"
            return Result(learner, error=reason[:300], max_scores=self.max_scores())
        hidden = self._hidden_from(submission)
        try:
            with kernel_tmpdir():
                incidents = autograde_in_jail(self.config, self.lab.id, learner, target, hidden, self.limits)
        except NbgraderFailed as failure:
            return Result(learner, error=_last_error_line(str(failure)), max_scores=self.max_scores())
        result = self._result(learner)
        result.notes = incidents
        return result

    def _hidden_from(self, submission: Submission) -> list[Path]:
        """What a submission's code must not see: the gradebook, the course's hidden files, other submissions."""
        self.paths.work_dir.chmod(0o700)  # without namespaces, the jail's own user is kept out by permissions
        return course_hidden_paths(self.paths.root, self.paths.work_dir, submission.class_folder())

    def write_feedback(self, results: list[Result]) -> list[Result]:
        """Write every graded learner's feedback page in one nbgrader run (its start-up is paid once).

        A learner whose grading failed gets no page: nbgrader's own scores for them may be in the gradebook,
        and a page showing them (or an older one) would mislead.
        """
        graded = [r for r in results if not r.error]
        if graded:
            try:
                run_converter(GenerateFeedback, self.config, self.lab.id, "*", force=True)
            except NbgraderFailed as failure:
                for result in graded:
                    result.fail(f"feedback not written: {_last_error_line(str(failure))}")
        for result in results:
            path = self.feedback_path(result.learner)
            if result.error:
                shutil.rmtree(path.parent, ignore_errors=True)
            result.feedback = path if path.exists() else None
        return results

    def _released(self) -> nbformat.NotebookNode:
        """The learners' version of the lab, as prepare() generated it from the source."""
        path = self.paths.work_dir / "release" / self.lab.id / f"{self.lab.id}.ipynb"
        return nbformat.read(path, as_version=4)

    def max_scores(self) -> dict[str, float]:
        """Points available per question, in notebook order."""
        return dict(graded_cells(self.paths.source(self.lab.id)))

    def feedback_path(self, learner: str) -> Path:
        """Where the learner's feedback page is written."""
        return self.paths.work_dir / "feedback" / learner / self.lab.id / f"{self.lab.id}.html"

    def _result(self, learner: str) -> Result:
        """Read a graded submission's scores from the gradebook."""
        with Gradebook(self.config.CourseDirectory.db_url, settings().course_id) as gradebook:
            submitted = gradebook.find_submission_notebook(self.lab.id, self.lab.id, learner)
            grades = {g.name: g for g in submitted.grades}
        max_scores = self.max_scores()
        scores = {name: float(grades[name].score or 0) if name in grades else 0.0 for name in max_scores}
        pending = {name for name in max_scores if name in grades and grades[name].needs_manual_grade}
        return Result(learner, scores, max_scores, pending=pending)


def graded_cells(notebook: Path) -> list[tuple[str, float]]:
    """(grade id, points) of each graded cell of a notebook, in order."""
    cells = nbformat.read(notebook, as_version=4).cells
    marks = [c.metadata.get("nbgrader", {}) for c in cells]
    return [(m["grade_id"], float(m.get("points", 0))) for m in marks if m.get("grade")]


def _last_error_line(text: str) -> str:
    """The most telling line of an nbgrader failure, for a one-line report."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("[ERROR]") and "Traceback" not in line]
    return (errors[0] if errors else lines[0] if lines else "grading failed").removeprefix("[ERROR] ")
