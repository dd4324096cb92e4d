"""Where a Knex, Sequelize or TypeORM project keeps its migrations, as its configuration says.

`knexfile.js`'s `migrations: { directory }`, `.sequelizerc`'s `'migrations-path'` and TypeORM's
`migrations: ['src/migrations/*.ts']` (in `data-source.ts`, `ormconfig.*`) are read as
literals: a string, an array of strings, or `path.resolve`/`path.join` of strings (a leading
`__dirname` or `process.cwd()` is the configuration's folder). A value built otherwise is not
followed; discovery still walks the project for migrations.
"""

from __future__ import annotations

import re
from pathlib import Path

from dsql_lint.orm import jsvalues as js

CONFIGS = {
    "knexfile": ("directory",),
    ".sequelizerc": ("migrations-path",),
    "data-source": ("migrations",),
    "ormconfig": ("migrations",),
}
SUFFIXES = ("", ".js", ".ts", ".cjs", ".mjs", ".json")
_KEY = re.compile(r"""(?:^|[\s{,])["']?([\w-]+)["']?\s*:""")


def migration_folders(root: Path) -> list[tuple[Path, str]]:
    """The folders the configurations at `root` name, each with the file that names it."""
    out: list[tuple[Path, str]] = []
    for stem, keys in CONFIGS.items():
        for suffix in SUFFIXES:
            path = root / f"{stem}{suffix}"
            if not path.is_file():
                continue
            try:
                text = path.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            for folder in _named(text, keys):
                where = (root / folder).resolve()
                if where.is_dir() and all(where != f for f, _ in out):
                    out.append((where, path.name))
    return out


def _named(text: str, keys: tuple[str, ...]) -> list[str]:
    reader = js.Reader(text)
    out = []
    for match in _KEY.finditer(text):
        if match.group(1) not in keys:
            continue
        value, _ = reader.expression(match.end())
        for item in value.items if isinstance(value, js.Arr) else (value,):
            folder = _folder(item)
            if folder:
                out.append(folder)
    return out


def _folder(value: js.Value) -> str | None:
    """A folder written as a string (a glob's folder: `src/migrations/*.ts`) or as
    `path.resolve(...)`/`path.join(...)` of strings."""
    if isinstance(value, js.Str):
        plain = []
        for part in Path(value.text).parts:
            if any(c in part for c in "*?{["):
                break
            plain.append(part)
        return str(Path(*plain)) if plain else None
    if isinstance(value, js.Call) and js.method(value) in ("resolve", "join"):
        pieces = []
        for arg in value.args:
            text = js.text_of(arg)
            if text is not None:
                pieces.append(text)
            elif js.dotted(arg) != "__dirname" and not (
                isinstance(arg, js.Call) and js.dotted(arg.callee) == "process.cwd"
            ):
                return None
        return str(Path(*pieces)) if pieces else None
    return None
