"""What a Knex, Sequelize, TypeORM or MikroORM project's configuration says of its migrations:
the folder they are in, and how its runner wraps them in transactions.

`knexfile.js`'s `migrations: { directory }`, `.sequelizerc`'s `'migrations-path'`, TypeORM's
`migrations: ['src/migrations/*.ts']` (in `data-source.ts`, `ormconfig.*`) and MikroORM's
`migrations: { path }` (`mikro-orm.config.ts`) are read as literals: a string, an array of
strings, or `path.resolve`/`path.join` of strings (a leading `__dirname` or `process.cwd()` is
the configuration's folder). A value built otherwise is not followed; discovery still walks the
project for migrations.

The transaction settings are read the same way, as literals: TypeORM's
`migrationsTransactionMode`, Knex's `migrations: { disableTransactions }` and MikroORM's
`migrations: { transactional, allOrNothing }`. A knexfile whose environments disagree is read as
if unset (the runner's default), as is a value that is not a literal; discovery says so.

TypeORM's CLI takes both on its command line, which the project writes in package.json's
`scripts`: `typeorm migration:run -d src/db/data-source.ts --transaction each` reads that
DataSource, and `--transaction` (`-t`) overrides its `migrationsTransactionMode` (typeorm 1.1.4
commands/MigrationRunCommand.js: "all", "none" or "false", "each"; anything else keeps the
DataSource's). Scripts that run migrations in different modes are read as the DataSource says.
"""

from __future__ import annotations

import functools
import json
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

from dsql_lint.orm import jsvalues as js
from dsql_lint.orm.jsstrings import code_spans, in_code
from dsql_lint.syntax.config_reads import config_text, looked_for

# Configuration file stems -> the keys naming the migrations folder, and whether they sit in
# a `migrations: {...}` object (Knex's, MikroORM's) rather than anywhere in the file.
CONFIGS = {
    "knexfile": (("directory",), True),
    ".sequelizerc": (("migrations-path",), False),
    "data-source": (("migrations",), False),
    "ormconfig": (("migrations",), False),
    "mikro-orm.config": (("path", "pathTs"), True),
}
SUFFIXES = ("", ".js", ".ts", ".cjs", ".mjs", ".json")
# Where a configuration sits: the project's folder, or its src/ (TypeORM's and MikroORM's
# templates write `src/data-source.ts` and `src/mikro-orm.config.ts`).
PLACES = ("", "src")
_KEY = re.compile(r"""(?:^|[\s{,])["']?([\w-]+)["']?\s*:""")
# How far above a migrations folder its configuration is looked for.
UP_TO = 4

# Each migration framework's configuration files (stems), in the order its CLI looks for
# them.
RUNNER_CONFIGS = {
    "TypeORM migration": ("data-source", "ormconfig"),
    "Knex migration": ("knexfile",),
    "MikroORM migration": ("mikro-orm.config",),
}


@dataclass(frozen=True)
class Mode:
    """A runner's transaction setting as the configuration writes it."""

    setting: str  # `migrationsTransactionMode: "each"`, `disableTransactions: true`...
    config: Path  # the file that sets it
    # Where the file's environments set it differently: what was read instead, and why.
    disagreement: str = ""
    # Where the runner's command line sets it: as the project's script writes it.
    command: str = ""


def migration_folders(root: Path) -> list[tuple[Path, str]]:
    """The folders the configurations at `root` name, each with the file that names it."""
    out: list[tuple[Path, str]] = []
    for path in _configs(root, CONFIGS):
        keys, nested = CONFIGS[_stem(path)]
        text = _text(path)
        for folder in _named(text, keys, nested):
            where = (root / folder).resolve()
            if where.is_dir() and all(where != f for f, _ in out):
                out.append((where, _relative(path, root)))
    return out


def transaction_mode(folder: Path, framework: str) -> Mode | None:
    """The transaction setting of the configuration nearest above a migrations `folder` of
    `framework` (a label of orm/scripts.py), when it sets one other than the default or its
    environments disagree."""
    stems = RUNNER_CONFIGS.get(framework)
    if stems is None:
        return None
    if framework == "TypeORM migration":
        scripts = _typeorm_scripts(folder)
        if scripts:
            return _typeorm_mode(folder, scripts)
    mode = _configured(folder, framework, stems)
    return mode if mode is not None and (mode.setting or mode.disagreement) else None


def _configured(folder: Path, framework: str, stems: tuple[str, ...]) -> Mode | None:
    """The setting of the configuration nearest above `folder`, whatever it is."""
    for place in [folder, *folder.parents][:UP_TO]:
        for path in _configs(place, stems):
            return _mode(path, framework)
    return None


def _mode(path: Path, framework: str) -> Mode:
    stat = path.stat()
    setting, disagreement = _setting(path, framework, stat.st_mtime_ns, stat.st_size)
    return Mode(setting, path, disagreement)


# TypeORM's CLI (`typeorm`, `typeorm-ts-node-commonjs`, `typeorm-ts-node-esm`, or its cli.js run
# by node or ts-node) and the values its `--transaction` takes: the mode each sets.
TYPEORM_CLI = re.compile(r"(?:^|[/\\])typeorm(?:-ts-node-(?:commonjs|esm))?(?:[/\\]cli\.js)?$")
TYPEORM_TRANSACTION = {"all": "all", "none": "none", "false": "none", "each": "each"}


@dataclass(frozen=True)
class _Script:
    """A package.json script that runs `typeorm migration:run`, as it says it."""

    package: Path
    name: str
    data_source: str | None  # -d/--dataSource as written
    transaction: str | None  # -t/--transaction as written


def _typeorm_scripts(folder: Path) -> list[_Script]:
    """The scripts of the package.json nearest above `folder` that run TypeORM's migrations."""
    for place in [folder, *folder.parents][:UP_TO]:
        path = place / "package.json"
        if not looked_for(path):
            continue
        try:
            scripts = json.loads(_text(path)).get("scripts")
        except (ValueError, AttributeError):
            return []
        if not isinstance(scripts, dict):
            return []
        return [
            found
            for name, line in scripts.items()
            if isinstance(line, str)
            for found in _migration_runs(path, name, line)
        ]
    return []


def _migration_runs(package: Path, name: str, line: str) -> list[_Script]:
    """Each `typeorm ... migration:run` command of a script line (`&&`, `;`... between them),
    with the DataSource and transaction mode its options give."""
    try:
        lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        words = list(lexer)
    except ValueError:
        return []
    out = []
    command: list[str] = []
    for word in [*words, ";"]:
        if word and set(word) <= set(";&|()"):
            if "migration:run" in command and any(TYPEORM_CLI.search(w) for w in command):
                options = _options(command[command.index("migration:run") + 1 :])
                out.append(
                    _Script(package, name, options.get("dataSource"), options.get("transaction"))
                )
            command = []
        else:
            command.append(word)
    return out


def _options(words: list[str]) -> dict[str, str]:
    """yargs' reading of `-d x`, `--dataSource=x`, `-t each`... by the option's long name."""
    names = {"d": "dataSource", "dataSource": "dataSource", "t": "transaction",
             "transaction": "transaction"}  # fmt: skip
    out: dict[str, str] = {}
    for index, word in enumerate(words):
        key, equals, value = word.lstrip("-").partition("=")
        if not word.startswith("-") or key not in names:
            continue
        if not equals:
            value = words[index + 1] if index + 1 < len(words) else ""
        out[names[key]] = value
    return out


def _typeorm_mode(folder: Path, scripts: list[_Script]) -> Mode | None:
    """TypeORM's mode as the project's scripts run it: each script's `--transaction` over its
    DataSource's `migrationsTransactionMode`; where they disagree, the DataSource's."""
    found = _configured(folder, "TypeORM migration", RUNNER_CONFIGS["TypeORM migration"])
    modes: dict[str, Mode] = {}
    for script in scripts:
        named = script.package.parent / script.data_source if script.data_source else None
        config = (
            _mode(named, "TypeORM migration") if named is not None and looked_for(named) else found
        )
        said = TYPEORM_TRANSACTION.get(script.transaction or "")
        if said is None:
            mode = config or Mode("", script.package)
        else:
            setting = "" if said == "all" else f'migrationsTransactionMode: "{said}"'
            written = f"`{script.name}` script: `migration:run --transaction {script.transaction}`"
            mode = Mode(setting, script.package, command=written)
        modes.setdefault(mode.setting, mode)
    if len(modes) == 1:
        [mode] = modes.values()
        return mode if mode.setting or mode.disagreement else None
    said = ", ".join(sorted(m.command or m.setting or "the default" for m in modes.values()))
    kept = found.setting if found is not None else ""
    return Mode(
        kept,
        scripts[0].package,
        f"its package.json scripts run migrations in different modes ({said}): read as "
        + (f"the DataSource's `{kept}`" if kept else 'TypeORM\'s default, "all"'),
    )


@functools.lru_cache(maxsize=32)
def _setting(path: Path, framework: str, mtime: int, size: int) -> tuple[str, str]:
    """The non-default transaction setting `path` makes, and what discovery says when its
    environments disagree (`mtime`, `size`: the cache's key)."""
    text = _text(path)
    if framework == "TypeORM migration":
        modes = {js.text_of(v) for v in _values(text, "migrationsTransactionMode")}
        if len(modes) > 1:
            return "", _disagree("migrationsTransactionMode", modes, 'TypeORM\'s default, "all"')
        mode = modes.pop() if modes else None
        return (f'migrationsTransactionMode: "{mode}"' if mode in ("each", "none") else ""), ""
    options = [o for o in _values(text, "migrations") if isinstance(o, js.Obj)]
    if framework == "Knex migration":
        flags = {_flag(o, "disableTransactions") for o in options}
        if flags == {True}:
            return "disableTransactions: true", ""
        if True in flags:
            return "", _disagree("disableTransactions", flags, "Knex's default, false")
        return "", ""
    for key in ("transactional", "allOrNothing"):  # MikroORM: not transactional wins
        flags = {_flag(o, key) for o in options}
        if flags == {False}:
            return f"{key}: false", ""
        if False in flags:
            return "", _disagree(key, flags, "MikroORM's default, true")
    return "", ""


def _disagree(key: str, values: set[object], default: str) -> str:
    said = sorted("unset" if v is None else str(v).lower() for v in values)
    return f"its environments disagree on `{key}` ({', '.join(said)}): read as {default}"


def _flag(options: js.Obj, key: str) -> bool | None:
    value = options.get(key)
    if isinstance(value, js.Name) and value.name in ("true", "false"):
        return value.name == "true"
    return None


def _configs(place: Path, stems: dict[str, object] | tuple[str, ...]) -> list[Path]:
    out = []
    for stem in stems:
        for sub in PLACES:
            for suffix in SUFFIXES:
                path = place / sub / f"{stem}{suffix}"
                if looked_for(path):
                    out.append(path)
    return out


def _stem(path: Path) -> str:
    return next(s for s in CONFIGS if path.name == s or path.name.startswith(f"{s}."))


def _text(path: Path) -> str:
    try:
        return config_text(path, errors="replace")
    except OSError:
        return ""


def _relative(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else path.name


def _values(text: str, key: str) -> list[js.Value]:
    """The values written for `key` anywhere in the file's code (a commented-out setting is
    no setting)."""
    reader, spans = js.Reader(text), code_spans(text)
    return [
        reader.expression(match.end())[0]
        for match in _KEY.finditer(text)
        if match.group(1) == key and in_code(spans, match.start())
    ]


def _named(text: str, keys: tuple[str, ...], nested: bool) -> list[str]:
    if nested:
        options = [o for o in _values(text, "migrations") if isinstance(o, js.Obj)]
        values = [v for o in options for k in keys if (v := o.get(k)) is not None]
    else:
        values = [v for k in keys for v in _values(text, k)]
    out = []
    for value in values:
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
