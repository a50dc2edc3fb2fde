"""Problems found in the content: collected in one pass, reported together.

A legal publication must never lose an act silently, so nothing here raises on the
first problem: readers and validators add to a :class:`Problems` list, and the build
fails once, with the whole list, through :class:`ContentError`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    path: str
    line: int | None
    field: str | None
    message: str
    severity: str = "error"  # "error" or "warning"

    def sort_key(self):
        return (self.path, self.line or 0, self.field or "", self.message)

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        what = f"{self.field}: {self.message}" if self.field else self.message
        prefix = "" if self.severity == "error" else "warning: "
        return f"{where}: {prefix}{what}"


@dataclass
class Problems:
    items: list[Problem] = field(default_factory=list)

    def error(self, path, message, *, line=None, field=None) -> None:
        self.items.append(Problem(str(path), line, field, message, "error"))

    def warning(self, path, message, *, line=None, field=None) -> None:
        self.items.append(Problem(str(path), line, field, message, "warning"))

    def extend(self, other: Problems | list[Problem]) -> None:
        self.items.extend(other.items if isinstance(other, Problems) else other)

    @property
    def errors(self) -> list[Problem]:
        return sorted((p for p in self.items if p.severity == "error"), key=Problem.sort_key)

    @property
    def warnings(self) -> list[Problem]:
        return sorted((p for p in self.items if p.severity == "warning"), key=Problem.sort_key)

    def __bool__(self) -> bool:
        return bool(self.errors)


class ContentError(Exception):
    """Raised once, after every file was read, when the content has errors."""

    exitcode = 1

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems, key=Problem.sort_key)
        super().__init__(report(self.problems))


class PublishError(Exception):
    """The build cannot publish (unsafe output folder, full disk, failed self-check)."""

    exitcode = 1


def report(problems: list[Problem]) -> str:
    lines = [str(p) for p in problems]
    n = sum(1 for p in problems if p.severity == "error")
    files = len({p.path for p in problems if p.severity == "error"})
    if n:
        lines.append(f"{n} error{'s' if n > 1 else ''} in {files} file{'s' if files > 1 else ''}")
    return "\n".join(lines)


def relative(path: Path, root: Path | None) -> str:
    """Show paths as the webmaster typed them: relative to the project when possible."""
    if root is not None:
        try:
            return str(path.resolve().relative_to(root.resolve()))
        except ValueError:
            pass
    return str(path)
