"""Telling the user how the run goes: a bar on a terminal, log lines otherwise, or JSON.

JSON events (one object per line on stdout) are documented in docs/apply.md.
"""

from __future__ import annotations

import json
import sys
import time
from typing import IO, Any

import click

from dsql_lint.apply.copybatch import committed


class Reporter:
    """Plain log lines on stderr."""

    def __init__(self, stream: IO[str] | None = None) -> None:
        self.stream = stream or sys.stderr

    def event(self, name: str, **fields: Any) -> None:
        line = describe(name, fields)
        if line:
            self.echo(line)

    def echo(self, line: str) -> None:
        click.echo(line, file=self.stream)

    def close(self) -> None:
        pass


class BarReporter(Reporter):
    """A progress bar on a terminal, with retries, jobs and errors printed above it."""

    QUIET = frozenset({"statement", "file"})

    def __init__(self, total: int, stream: IO[str] | None = None) -> None:
        super().__init__(stream)
        self.bar = click.progressbar(length=max(total, 1), label="applying", file=self.stream)
        self.bar.__enter__()

    def event(self, name: str, **fields: Any) -> None:
        if name == "statement":
            self.bar.label = f"{fields.get('file')}:{fields.get('line')}"
            self.bar.update(1)
            if fields.get("status") != "failed":
                return
        if name in self.QUIET and fields.get("status") != "failed":
            return
        line = describe(name, fields)
        if line:
            self.echo("\n" + line if name != "done" else line)

    def close(self) -> None:
        self.bar.__exit__(None, None, None)


class JsonReporter(Reporter):
    def __init__(self, stream: IO[str] | None = None) -> None:
        super().__init__(stream or sys.stdout)

    def event(self, name: str, **fields: Any) -> None:
        record = {"event": name, "time": round(time.time(), 3), **fields}
        self.stream.write(json.dumps(record, default=str) + "\n")
        self.stream.flush()


def make_reporter(fmt: str, total: int) -> Reporter:
    if fmt == "json":
        return JsonReporter()
    if sys.stderr.isatty():
        return BarReporter(total)
    return Reporter()


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def describe(name: str, f: dict[str, Any]) -> str | None:
    where = f"{f.get('file')}:{f.get('line')}" if "line" in f else f.get("file", "")
    if f.get("column"):
        where += f":{f['column']}"
    if name == "start":
        return (
            f"apply: {_count(f['files'], 'file')}, {_count(f['statements'], 'statement')} "
            f"({f['already_applied']} already applied) to {f['target']}"
        )
    if name == "statement":
        extra = f" ({f['seconds']:.2f} s)" if f.get("seconds") is not None else ""
        return f"{f['status']:<8} {where}  {f.get('sql', '')}{extra}"
    if name == "copy":
        return f"copy     {where}  COPY: {committed(f['rows'], f['total'])}"
    if name == "reconcile":
        return f"resume   {where}  interrupted: {f['outcome']}"
    if name == "retry":
        why = "server unavailable" if f.get("sqlstate") == "XX000" else "conflict"
        return (
            f"retry    {where}  {why}, attempt {f['attempt']} in {f['delay']:.2f} s: {f['error']}"
        )
    if name == "job":
        text = f"job      {where}  {f['job_id']} {f['status']}"
        return text + (f" ({f['detail']})" if f.get("detail") else "")
    if name == "lock":
        return f"lock     {f['message']}" if f.get("message") else None
    if name == "reconnect":
        if "attempt" not in f:
            return f"reconnect ({f['reason']})"
        return f"reconnect ({f['reason']}); attempt {f['attempt']} in {f['delay']:.2f} s"
    if name == "warning":
        return f"warning: {f['message']}"
    if name == "error":
        return f"dsql-lint: error: {f['message']}"  # as every other command error
    if name == "done":
        not_run = f.get("not_run")
        accepted = f", {not_run} not run (edits accepted by repair)" if not_run else ""
        return (
            f"done: {f['applied']} applied, {f['skipped']} already applied{accepted}, "
            f"{f['failed']} failed in {f['seconds']:.1f} s"
        )
    return None
