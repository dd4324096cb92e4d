"""`check`'s findings kept between runs, file by file, as ruff keeps its own: checking again what
did not change costs reading and hashing it, not parsing it (nor importing the parser).

A file's entry is keyed by everything its findings depend on: the tool (its version and code),
the rule files, the options, the file's path and bytes and, because the schema catalog carries
over from file to file, the key of the file before it. So a changed file is checked again with
every file after it, and a migration added at the end of a folder is the only one parsed.
An entry also lists the framework configuration files read before it was written
(syntax/config_reads.py: config.toml, a knexfile, env.py...) with their digests, and the places
looked for one where none was, and is a miss once one of them changed or appeared.

Entries are JSON files in the user's cache directory (`$XDG_CACHE_HOME/dsql-lint/findings`):
data, never code, whoever wrote them. Anything unreadable or malformed is a miss. `--no-cache`
or DSQL_LINT_NO_CACHE=1 turns the cache off; standard input is never cached.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from dsql_lint import __version__
from dsql_lint.diagnostic import Diagnostic, FixAvailability, Severity
from dsql_lint.engine.cache import cache_dir
from dsql_lint.engine.loader import builtin_rules_dir, rule_files
from dsql_lint.lint.runs import run_of
from dsql_lint.orm.mapped import MappedSource
from dsql_lint.report.model import FileReport, LintReport
from dsql_lint.settings import LintOptions, active_rules
from dsql_lint.syntax.config_reads import digest, read_so_far
from dsql_lint.syntax.flyway_config import placeholder_state
from dsql_lint.syntax.formats import statements as migration_statements
from dsql_lint.syntax.includes import included_state
from dsql_lint.syntax.source import STDIN, Source, real

FORMAT = 3  # of an entry; part of every key
MAX_ENTRIES = 2000  # then the older half goes
PACKAGE = Path(__file__).resolve().parents[1]


def _named(hint: Any) -> str:
    """A hint worded by a function is keyed by its name: its code is in the package's key."""
    return f"{hint.__module__}.{hint.__qualname__}"


class FindingsCache:
    def __init__(self, directory: Path, options: LintOptions) -> None:
        self.directory = directory
        self.fingerprint = _fingerprint(options)
        self._digests: dict[str, str] = {}  # configuration file -> its digest, this run
        self.psql_variables = options.psql_variables  # which files an include names

    @classmethod
    def for_run(cls, options: LintOptions, enabled: bool = True) -> FindingsCache | None:
        if not enabled or os.environ.get("DSQL_LINT_NO_CACHE"):
            return None
        return cls(cache_dir() / "findings", options)

    def keys(self, sources: list[Source]) -> list[str]:
        """Each file's key, chained through the files before it."""
        keys, previous = [], self.fingerprint
        for source in sources:
            # (a file's include lines: which files it is read through, an include cycle)
            head = f"{previous}\0{source.path}\0{source.bom}\0{source.included_by}\0"
            digest = hashlib.sha256(head.encode("utf-8", "surrogatepass"))
            digest.update(source.text.encode("utf-8", "surrogatepass"))
            state = included_state(source.path, source.text, self.psql_variables)
            digest.update(state.encode("utf-8", "surrogatepass"))
            digest.update(placeholder_state(source.path, source.text).encode())
            if isinstance(source, MappedSource):  # positions come from the file around the SQL
                digest.update(source.original.encode("utf-8", "surrogatepass"))
                # and what its reader read elsewhere (Alembic's env.py, a knexfile): the run, the
                # runner's setting, the advice
                said = [source.run, source.run_hint, source.setting, sorted(source.hints.items())]
                digest.update(json.dumps(said, default=_named).encode("utf-8", "surrogatepass"))
            previous = digest.hexdigest()
            keys.append(previous)
        return keys

    def load(self, key: str, source: Source) -> list[Diagnostic] | None:
        """The file's findings, else None."""
        try:
            data = json.loads((self.directory / key).read_text(encoding="utf-8"))
            if not self._unchanged(data["configs"]):
                return None
            kinds = [_kind(*kind) for kind in data["kinds"]]
            return [_diagnostic(source, kinds, *row) for row in data["diagnostics"]]
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def effects(self, key: str) -> list[list[Any]] | None:
        """The file's statements' catalog effects (engine.catalog.Effect lists), else None.
        Kept apart from the findings: only a run that lints a later file needs them."""
        from dsql_lint.lint.schema import Effect  # (such a run imports the parser anyway)

        try:
            data = json.loads((self.directory / f"{key}.effects").read_text(encoding="utf-8"))
            return [[Effect.from_json(effect) for effect in statement] for statement in data]
        except (OSError, ValueError, TypeError, IndexError):
            return None

    def store(self, key: str, report: FileReport) -> None:
        """Writes atomically, the effects first; a cache that cannot be written is no error."""
        kinds: dict[tuple[str, str, str, str | None], int] = {}
        rows = []
        for d in report.diagnostics:
            # What a rule's findings share is written once, in `kinds`.
            kind = kinds.setdefault((d.code, d.name, d.severity.value, d.suggestion), len(kinds))
            rows.append([d.start, d.end, d.line, d.col, d.end_line, d.end_col, kind, d.message,
                         d.fix.value, d.statement, d.byte_start, d.byte_end,
                         d.fix_note])  # fmt: skip
        effects = [[effect.to_json() for effect in statement] for statement in report.effects]
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            self._write(f"{key}.effects", effects)
            self._write(
                key, {"configs": self._configs(), "kinds": list(kinds), "diagnostics": rows}
            )
            self._prune()
        except OSError:
            pass

    def settle(
        self, sources: list[Source], report: LintReport, decide: Callable[[LintReport], LintReport]
    ) -> LintReport:
        """`decide` (the run's fix decisions on later statements and files, fix.decision's
        `settle_run`) applied to `report`, or what it changed, kept from an earlier run over
        the same files: the last file's key stands for every file of the run."""
        if not sources or any(source.path == STDIN for source in sources):
            return decide(report)
        name = f"{self.keys(sources)[-1]}.settled"
        try:
            kept = json.loads((self.directory / name).read_text(encoding="utf-8"))
            if not self._unchanged(kept["configs"]):
                raise ValueError("a configuration file changed")
            changes = kept["changes"]
            files = [list(file.diagnostics) for file in report.files]
            for at, index, fix, note in changes:
                files[at][index] = replace(
                    files[at][index], fix=FixAvailability(fix), fix_note=note
                )
            return LintReport(
                [
                    replace(file, diagnostics=found)
                    for file, found in zip(report.files, files, strict=True)
                ],
                report.rules,
            )
        except (OSError, ValueError, TypeError, IndexError, KeyError):
            pass
        decided = decide(report)
        changes = [
            [at, index, new.fix.value, new.fix_note]
            for at, (before, after) in enumerate(zip(report.files, decided.files, strict=True))
            for index, (old, new) in enumerate(
                zip(before.diagnostics, after.diagnostics, strict=True)
            )
            if (old.fix, old.fix_note) != (new.fix, new.fix_note)
        ]
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            self._write(name, {"configs": self._configs(), "changes": changes})
        except OSError:
            pass
        return decided

    def _configs(self) -> dict[str, str]:
        """The configuration files read so far with their digests: what an entry written now
        depends on besides its key."""
        return {str(path): self._digest(str(path)) for path in read_so_far()}

    def _unchanged(self, configs: dict[str, str]) -> bool:
        return all(self._digest(path) == kept for path, kept in configs.items())

    def _digest(self, path: str) -> str:
        if path not in self._digests:
            self._digests[path] = digest(Path(path))
        return self._digests[path]

    def _write(self, name: str, data: object) -> None:
        fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".tmp-")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            # dumps, not dump: dump writes piece by piece, several times slower.
            handle.write(json.dumps(data, separators=(",", ":"), check_circular=False))
        os.replace(tmp, self.directory / name)

    def _prune(self) -> None:
        entries = list(os.scandir(self.directory))
        if len(entries) <= MAX_ENTRIES:
            return
        entries.sort(key=lambda e: e.stat().st_mtime)
        for entry in entries[: len(entries) // 2]:
            Path(entry.path).unlink(missing_ok=True)


def lint_cached(
    sources: list[Source], options: LintOptions, cache: FindingsCache | None
) -> LintReport:
    """The report of `check`: findings of unchanged files from the cache, the rest linted (and
    kept). The parser is imported only if some file has to be linted."""
    rules = active_rules(options)
    if cache is None or any(source.path == STDIN for source in sources):
        return LintReport(_lint(sources, options, rules, []), rules)
    keys = cache.keys(sources)
    reused: list[FileReport] = []
    for source, key in zip(sources, keys, strict=True):
        diagnostics = cache.load(key, source)
        if diagnostics is None:
            break  # (the keys chain: the files after it are misses too)
        statements = migration_statements(
            source, options.assume_in_transaction, options.framework_transactions
        )
        reused.append(FileReport(source, statements, [], diagnostics))
    # A file whose framework transaction goes on into the next one, or that includes it (a
    # BEGIN ... COMMIT around `\\ir` is judged with its statements), is linted with it.
    while reused and len(reused) < len(sources) and _goes_on(reused[-1], sources[len(reused)]):
        reused.pop()
    rest = sources[len(reused) :]
    if not rest:
        return LintReport(reused, rules)
    # The files to lint need the catalog the reused ones built: their effects, replayed.
    replay = []
    for key in keys[: len(reused)]:
        effects = cache.effects(key)
        if effects is None:
            break
        replay.append(effects)
    reused, rest = reused[: len(replay)], sources[len(replay) :]
    fresh = _lint(rest, options, rules, replay, [r.source for r in reused])
    for report, key in zip(fresh, keys[len(reused) :], strict=True):
        cache.store(key, report)
    return LintReport(reused + fresh, rules)


def _goes_on(report: FileReport, following: Source) -> bool:
    run = run_of(report.source)
    return bool(following.included_by) or (bool(run) and run == run_of(following))


def _lint(
    sources: list[Source],
    options: LintOptions,
    rules: list[Any],
    replay: list[list[Any]],
    done: Sequence[Source] = (),
) -> list[FileReport]:
    """`done`: the files before `sources` whose findings came from the cache."""
    from dsql_lint.lint.pipeline import Linter

    linter = Linter(rules, options)
    for effects in replay:
        linter.replay(effects)
    linter.reported_bookkeeping(done)
    return linter.lint_all(sources)


PARSERS = ("sqlglot", "pglast")


def _fingerprint(options: LintOptions) -> str:
    digest = hashlib.sha256(f"{FORMAT}\0{__version__}\0".encode())
    # The code itself: a development checkout changes without a new version number.
    for path in sorted(PACKAGE.rglob("*.py")):
        stat = path.stat()
        digest.update(f"{path.relative_to(PACKAGE)}\0{stat.st_size}\0{stat.st_mtime_ns}\0".encode())
    # The parsers, found without importing them: an upgrade changes what is reported.
    for name in PARSERS:
        spec = importlib.util.find_spec(name)
        origin = Path(spec.origin) if spec and spec.origin else None
        if origin is not None and origin.exists():
            digest.update(f"{origin}\0{origin.stat().st_mtime_ns}\0".encode())
    # The tables of commands and of their actions (rules/commands/) decide findings too.
    builtin = builtin_rules_dir()
    for directory in (builtin, builtin / "commands", *options.rule_dirs):
        for path in rule_files(directory):
            digest.update(f"{real(path)}\0".encode())
            digest.update(path.read_bytes())
    settings = (
        options.target_date.isoformat(),
        options.assume_in_transaction,
        options.framework_transactions,
        options.select,
        options.ignore,
        sorted((k, v.value) for k, v in options.severity.items()),
        options.exclude,
        options.report_unused_ignores,
        options.include_roots,
        sorted(options.psql_variables.items()),
        # Fix availability is judged for some choices (`check`: the defaults).
        options.fix_judge is not None
        and sorted((getattr(options.fix_judge, "choices", None) or {}).items()),
    )
    digest.update(repr(settings).encode())
    return digest.hexdigest()


def _kind(code: str, name: str, severity: str, suggestion: str | None) -> tuple[Any, ...]:
    return code, name, Severity(severity), suggestion


def _diagnostic(
    source: Source,
    kinds: list[tuple[Any, ...]],
    start: int,
    end: int,
    line: int,
    col: int,
    end_line: int,
    end_col: int,
    kind: int,
    message: str,
    fix: str,
    statement: int,
    byte_start: int,
    byte_end: int,
    fix_note: str | None,
) -> Diagnostic:
    code, name, severity, suggestion = kinds[kind]
    return Diagnostic(
        source.display_path, start, end, line, col, end_line, end_col, code, name, severity,
        message, suggestion, FixAvailability(fix), statement, byte_start, byte_end, fix_note,
    )  # fmt: skip
