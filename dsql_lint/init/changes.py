"""What `init` does to one file: the text before and after, and one line saying why."""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass
from pathlib import Path

from dsql_lint.errors import UserError

CREATE, UPDATE, UNCHANGED, KEEP, SKIP = "created", "updated", "unchanged", "kept", "skipped"


@dataclass(frozen=True)
class Change:
    path: Path | None  # None: nothing to write (skipped)
    shown: str  # the path as the user reads it
    action: str
    note: str
    before: str | None = None
    after: str | None = None

    @property
    def writes(self) -> bool:
        return self.action in (CREATE, UPDATE)

    def line(self, dry_run: bool) -> str:
        verb = {CREATE: "would create", UPDATE: "would update"}.get(self.action, self.action)
        return f"{verb if dry_run else self.action:<13} {self.shown}: {self.note}"

    def diff(self) -> str:
        lines = difflib.unified_diff(
            (self.before or "").splitlines(keepends=True),
            (self.after or "").splitlines(keepends=True),
            "/dev/null" if self.before is None else self.shown,
            self.shown,
        )
        return "".join(line if line.endswith("\n") else line + "\n" for line in lines)

    def write(self) -> None:
        assert self.path is not None and self.after is not None
        temporary = self.path.with_name(f".{self.path.name}.dsql-lint-tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # As computed: a file read with its CRLF kept is written back with them.
            temporary.write_text(self.after, encoding="utf-8", newline="")
            if self.path.exists():
                os.chmod(temporary, self.path.stat().st_mode & 0o7777)
            os.replace(temporary, self.path)
        except OSError as err:
            temporary.unlink(missing_ok=True)
            raise UserError(f"cannot write {self.shown}: {err.strerror}") from None


def read(path: Path, keep_newlines: bool = False) -> str | None:
    """The file's text, None when it does not exist; `keep_newlines` keeps `\\r\\n` as it is."""
    try:
        with open(path, encoding="utf-8", newline="" if keep_newlines else None) as file:
            return file.read()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as err:
        raise UserError(f"cannot read {path}: {err}") from None


def whole_file(path: Path, shown: str, text: str, what: str, force: bool) -> Change:
    """A file `init` writes whole: created, left alone when it exists, replaced with --force."""
    before = read(path)
    if before is None:
        return Change(path, shown, CREATE, what, None, text)
    if before == text:
        return Change(path, shown, UNCHANGED, what)
    if not force:
        return Change(path, shown, KEEP, "exists and differs (--force replaces it)")
    return Change(path, shown, UPDATE, f"{what} (replaced: --force)", before, text)
