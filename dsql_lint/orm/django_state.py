"""The models a Django migration runs against, as the migration state Django builds for it
(`ProjectState`): each model's table, its fields in order, its unique_together and
index_together, its Meta.constraints, and the names of the constraints and indexes the
database holds for it, which the schema editor finds by introspection when it drops them.

A name is kept as the object was created: PostgreSQL's `<table>_<column>_key` for a UNIQUE
written inside CREATE TABLE or ADD COLUMN, Django's hashed name (django_fields.index_name)
for what Django adds itself. Renaming a table or a column renames no index, as in the
database.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from dsql_lint.orm.django_fields import (
    AUTO,
    RELATIONS,
    check,
    column_of,
    constrained,
    db_index,
    field_indexes,
    index_name,
    is_key,
    pattern_ops,
    sql_type,
    truncate_name,
    unique,
)
from dsql_lint.orm.django_settings import user_model
from dsql_lint.orm.pyliterals import constant, keyword, name_of

# model name -> its table, and field name -> column and type ("pk" the key's)
Created = dict[str, tuple[str, dict[str, tuple[str, str]]]]
DEFAULT_KEY = ("id", "BIGINT")  # DEFAULT_AUTO_FIELD's column and type, when the model is unknown
COLLECTIONS = {"set", "frozenset", "list", "tuple"}
# Django's own models, whose apps' migrations are not in the project (they are in Django):
# their tables, each keyed by an AutoField `id` (django.contrib's default_auto_field).
CONTRIB = {
    ("auth", "user"): "auth_user", ("auth", "group"): "auth_group",
    ("auth", "permission"): "auth_permission",
    ("contenttypes", "contenttype"): "django_content_type", ("sites", "site"): "django_site",
    ("admin", "logentry"): "django_admin_log", ("flatpages", "flatpage"): "django_flatpage",
    ("redirects", "redirect"): "django_redirect",
}  # fmt: skip


@dataclass
class Model:
    app: str
    name: str  # lower case, as Django keys its models
    table: str
    named_table: bool  # Meta.db_table given: a rename of the model keeps the table
    fields: dict[str, ast.Call] = field(default_factory=dict)
    unique_together: list[tuple[str, ...]] = field(default_factory=list)
    index_together: list[tuple[str, ...]] = field(default_factory=list)
    constraints: dict[str, ast.Call] = field(default_factory=dict)
    many: dict[str, ast.Call] = field(default_factory=dict)  # ManyToManyFields, no column
    # field name -> "unique" | "index" | "like" | "fk" -> the name in the database
    names: dict[str, dict[str, str]] = field(default_factory=dict)
    # ("unique" | "index", field names) -> the name in the database
    together: dict[tuple[str, tuple[str, ...]], str] = field(default_factory=dict)

    def column(self, name: str) -> str:
        """A field's column; a name that is no field (an attname such as `owner_id`) as is."""
        found = self.fields.get(name)
        return column_of(name, found) if found is not None else name


class State:
    """The models of the project's apps at one point of its migrations."""

    def __init__(self, folder: Path, fallback: Callable[[str], Created]) -> None:
        self.folder = folder  # the migration's folder: settings are found from there
        self.models: dict[tuple[str, str], Model] = {}
        # An app's models as all its migrations create them: the target of a relation to a
        # model that no migration before this one creates.
        self.fallback = fallback

    def copy(self) -> State:
        out = State(self.folder, self.fallback)
        for key, model in self.models.items():
            out.models[key] = replace(
                model,
                fields=dict(model.fields),
                many=dict(model.many),
                unique_together=list(model.unique_together),
                index_together=list(model.index_together),
                constraints=dict(model.constraints),
                names={k: dict(v) for k, v in model.names.items()},
                together=dict(model.together),
            )
        return out

    def model(self, app: str, name: object) -> Model | None:
        return self.models.get((app, str(name).lower()))

    def table(self, app: str, name: object) -> str:
        found = self.model(app, name)
        return found.table if found is not None else f"{app}_{str(name).lower()}"

    def related(self, app: str, to: ast.expr | None) -> tuple[str, str]:
        """The app and model a relation's `to` names: "app.Model", a model of `app`, or the
        project's user model (`settings.AUTH_USER_MODEL`)."""
        if isinstance(to, ast.Attribute) and to.attr == "AUTH_USER_MODEL":
            label = user_model(self.folder.resolve())
        else:
            target = constant(to)
            label = target if isinstance(target, str) else "related"
        other, _, model = label.rpartition(".")
        return other.rsplit(".", 1)[-1] or app, model.lower()

    def target(self, app: str, relation: ast.Call) -> tuple[str, str, str]:
        """The table, column and type a relation of a model of `app` points at: its
        `to_field` or the target's primary key (Django's default `id` bigint when no
        migration creates the target)."""
        other = self.related(app, keyword(relation, "to", 0))
        to_field = constant(keyword(relation, "to_field"))
        found = self.model(*other)
        if found is not None:
            name = to_field if isinstance(to_field, str) and to_field in found.fields else None
            if name is None:
                name = next((n for n, f in found.fields.items() if is_key(f)), None)
            if name is None:
                return (found.table, *DEFAULT_KEY)
            return found.table, found.column(name), self.type(found.app, found.fields[name])
        table, columns = self.fallback(other[0]).get(other[1], (f"{other[0]}_{other[1]}", {}))
        if not columns and other in CONTRIB:
            table, columns = CONTRIB[other], {"pk": ("id", "INTEGER")}
        key = to_field if isinstance(to_field, str) and to_field in columns else "pk"
        return (table, *(columns.get(key) or DEFAULT_KEY))

    def type(self, app: str, item: ast.Call) -> str:
        """A field's column type; a relation's is its target's (an AutoField's as its
        integer type)."""
        if name_of(item.func) in RELATIONS:
            return self.target(app, item)[2]
        return sql_type(item)

    def columns(self, model: Model) -> dict[str, tuple[str, str]]:
        """Field name -> column and type, "pk" the primary key's."""
        out = {}
        for name, item in model.fields.items():
            out[name] = (column_of(name, item), self.type(model.app, item))
            if is_key(item):
                out["pk"] = out[name]
        return out

    def create_model(self, app: str, call: ast.Call) -> Model:
        options = options_of(keyword(call, "options"))
        name = str(constant(keyword(call, "name", 0))).lower()
        db_table = constant(options.get("db_table"))
        named = isinstance(db_table, str)
        model = Model(app, name, str(db_table) if named else f"{app}_{name}", named)
        self.models[(app, name)] = model
        for entry in items(keyword(call, "fields", 1)):
            if isinstance(entry, ast.Tuple) and len(entry.elts) == 2:
                label, item = entry.elts
                if isinstance(item, ast.Call):
                    self.add_field(model, str(constant(label)), item, name=False)
        for label, item in model.fields.items():
            self.name_field(model, label, item)
        for fields in together(options.get("unique_together")):
            self.name_together(model, "unique", fields)
        for fields in together(options.get("index_together")):
            self.name_together(model, "index", fields)
        for constraint in items(options.get("constraints")):
            if isinstance(constraint, ast.Call):
                model.constraints[str(constant(keyword(constraint, "name")))] = constraint
        return model

    def add_field(self, model: Model, label: str, item: ast.Call, name: bool = True) -> None:
        if name_of(item.func) == "ManyToManyField":
            model.many[label] = item
            return
        model.fields[label] = item
        if name:
            self.name_field(model, label, item)

    def name_field(self, model: Model, label: str, item: ast.Call) -> None:
        """The names of what the schema editor creates with a field's column in CREATE TABLE
        or ADD COLUMN (PostgreSQL names its UNIQUE and CHECK)."""
        column = column_of(label, item)
        names = model.names.setdefault(label, {})
        if unique(item) and not is_key(item):
            names["unique"] = f"{model.table}_{column}_key"
        if check(column, item):
            names["check"] = f"{model.table}_{column}_check"
        if db_index(item) and not unique(item):
            names["index"] = index_name(model.table, [column])
        if (db_index(item) or unique(item)) and pattern_ops(self.type(model.app, item)):
            names["like"] = index_name(model.table, [column], "_like")
        if constrained(item):
            other, key, _ = self.target(model.app, item)
            names["fk"] = index_name(model.table, [column], f"_fk_{other}_{key}")

    def through(
        self, model: Model, label: str, item: ast.Call
    ) -> tuple[str, str, list[str]] | None:
        """The table Django creates for a ManyToManyField without `through`: its name, CREATE
        TABLE, and what the schema editor defers for it (create_many_to_many_intermediary_model:
        a `<model>_id` column for each side, `from_`/`to_` for a model related to itself,
        unique together, each a foreign key with its index). Its key is the model's own auto
        field type, else bigint (DEFAULT_AUTO_FIELD in a new project)."""
        if keyword(item, "through") is not None:
            return None
        named = constant(keyword(item, "db_table"))
        table = named if isinstance(named, str) else truncate_name(f"{model.table}_{label}")
        other = self.related(model.app, keyword(item, "to", 0))
        mine = self.columns(model).get("pk", DEFAULT_KEY)
        key = next((f for f in model.fields.values() if is_key(f)), None)
        identity = sql_type(key) if key is not None and name_of(key.func) in AUTO else "BIGINT"
        to_table, to_key, to_type = self.target(model.app, item)
        start, end = model.name, other[1]
        if start == end:
            start, end = f"from_{start}", f"to_{end}"
        sides = [(f"{start}_id", model.table, *mine), (f"{end}_id", to_table, to_key, to_type)]
        columns = ", ".join(f'"{c}" {kind} NOT NULL' for c, _, _, kind in sides)
        create = (
            f'CREATE TABLE "{table}" ("id" {identity} NOT NULL PRIMARY KEY GENERATED BY DEFAULT '
            f"AS IDENTITY, {columns});\n"
        )
        pair = [c for c, *_ in sides]
        deferred = [
            f'ALTER TABLE "{table}" ADD CONSTRAINT "{index_name(table, pair, "_uniq")}" UNIQUE '
            f'("{pair[0]}", "{pair[1]}");\n'
        ]
        for column, target, target_key, _ in sides:
            name = index_name(table, [column], f"_fk_{target}_{target_key}")
            deferred.append(
                f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" FOREIGN KEY ("{column}") '
                f'REFERENCES "{target}" ("{target_key}") DEFERRABLE INITIALLY DEFERRED;\n'
            )
        relation = ast.parse("ForeignKey()", mode="eval").body
        assert isinstance(relation, ast.Call)
        for column, _, _, kind in sides:
            deferred.extend(field_indexes(table, column, kind, relation))
        return table, create, deferred

    def name_together(self, model: Model, kind: str, fields: tuple[str, ...]) -> str:
        columns = [model.column(f) for f in fields]
        name = index_name(model.table, columns, "_uniq" if kind == "unique" else "_idx")
        model.together[(kind, fields)] = name
        getattr(model, f"{kind}_together").append(fields)
        return name


def is_auto(item: ast.Call) -> bool:
    return name_of(item.func) in AUTO


def options_of(node: ast.expr | None) -> dict[str, ast.expr]:
    """CreateModel's `options` dict: its constant keys."""
    if not isinstance(node, ast.Dict):
        return {}
    return {
        str(constant(k)): v for k, v in zip(node.keys, node.values, strict=True) if k is not None
    }


def items(node: ast.expr | None) -> list[ast.expr]:
    """The elements of a list, tuple or set, written as a display or as `set([...])`."""
    if isinstance(node, ast.Call) and name_of(node.func) in COLLECTIONS and len(node.args) == 1:
        node = node.args[0]
    return list(node.elts) if isinstance(node, (ast.List, ast.Tuple, ast.Set)) else []


def together(node: ast.expr | None) -> list[tuple[str, ...]]:
    """unique_together/index_together: a set or list of field-name tuples, or one tuple, as
    Django normalises it."""
    found = items(node)
    if found and all(isinstance(constant(i), str) for i in found):
        found = [node] if node is not None else []
    return [
        tuple(str(constant(f)) for f in i.elts)
        for i in found
        if isinstance(i, (ast.List, ast.Tuple))
    ]
