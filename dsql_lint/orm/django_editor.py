"""The operations whose SQL depends on the state before them, as Django 5.2's PostgreSQL
schema editor writes them (`db/backends/base/schema.py` `_alter_field`, `remove_field`,
`alter_db_table`, `alter_unique_together`; `postgresql/schema.py` for the `_like` indexes and
USING casts), each also moving the state on (django_state.py).

Each writer returns the statements in the editor's order, or None when the operation does
something not written here (a primary key added or removed, or of another type than an auto
field's, a renamed model or widened key a many-to-many field points at): the reader then
names it as not checked. `apply` moves the state on for every operation, as the migrations
before the one being read are replayed.
"""

from __future__ import annotations

import ast
from collections.abc import Callable

from dsql_lint.orm.django_constraints import check_sql, unique_sql
from dsql_lint.orm.django_fields import (
    AUTO,
    RELATIONS,
    TYPES,
    check,
    column_of,
    constrained,
    db_index,
    effective_default,
    index_name,
    pattern_ops,
    unique,
)
from dsql_lint.orm.django_state import Model, State, together
from dsql_lint.orm.pyliterals import constant, keyword, name_of

# Field options that change no column (Field.non_db_attrs), and db_comment.
NON_DB = {
    *("blank", "choices", "db_column", "editable", "error_messages", "help_text"),
    *("limit_choices_to", "on_delete", "related_name", "related_query_name", "validators"),
    *("verbose_name", "db_comment"),
}
Sql = list[str] | None


def alter_field(state: State, app: str, call: ast.Call) -> Sql:
    model = state.model(app, constant(keyword(call, "model_name", 0)))
    label = str(constant(keyword(call, "name", 1)))
    new = keyword(call, "field", 2)
    if model is None or label not in model.fields or not isinstance(new, ast.Call):
        return None
    return _alter(state, model, label, model.fields[label], label, new)


def rename_field(state: State, app: str, call: ast.Call) -> Sql:
    model = state.model(app, constant(keyword(call, "model_name", 0)))
    old = str(constant(keyword(call, "old_name", 1)))
    if model is None or old not in model.fields:
        return None
    new = str(constant(keyword(call, "new_name", 2)))
    return _alter(state, model, old, model.fields[old], new, model.fields[old])


def remove_field(state: State, app: str, call: ast.Call) -> Sql:
    model = state.model(app, constant(keyword(call, "model_name", 0)))
    label = str(constant(keyword(call, "name", 1)))
    if model is not None and label in model.many:
        made = state.through(model, label, model.many.pop(label))
        return [] if made is None else [f'DROP TABLE "{made[0]}" CASCADE;\n']
    if model is None or label not in model.fields:
        return None
    item = model.fields.pop(label)
    names = model.names.pop(label, {})
    out = [_drop_fk(model.table, names["fk"])] if "fk" in names else []
    return [*out, f'ALTER TABLE "{model.table}" DROP COLUMN "{column_of(label, item)}" CASCADE;\n']


def alter_model_table(state: State, app: str, call: ast.Call) -> Sql:
    model = state.model(app, constant(keyword(call, "name", 0)))
    if model is None:
        return None
    table = constant(keyword(call, "table", 1))
    new = table if isinstance(table, str) else f"{app}_{model.name}"
    old, model.table, model.named_table = model.table, new, isinstance(table, str)
    return [] if old == new else [f'ALTER TABLE "{old}" RENAME TO "{new}";\n']


def alter_unique_together(state: State, app: str, call: ast.Call) -> Sql:
    return _alter_together(state, app, call, "unique")


def alter_index_together(state: State, app: str, call: ast.Call) -> Sql:
    return _alter_together(state, app, call, "index")


def _alter_together(state: State, app: str, call: ast.Call, kind: str) -> Sql:
    model = state.model(app, constant(keyword(call, "name", 0)))
    if model is None:
        return None
    olds: list[tuple[str, ...]] = getattr(model, f"{kind}_together")
    news = together(keyword(call, f"{kind}_together", 1))
    out = []
    for fields in [f for f in olds if f not in news]:
        name = model.together.pop((kind, fields), "")
        if kind == "unique":
            out.append(f'ALTER TABLE "{model.table}" DROP CONSTRAINT "{name}";\n')
        else:
            out.append(f'DROP INDEX IF EXISTS "{name}";\n')
    kept = [f for f in olds if f in news]
    setattr(model, f"{kind}_together", kept)
    for fields in [f for f in news if f not in kept]:
        name = state.name_together(model, kind, fields)
        quoted = ", ".join(f'"{model.column(f)}"' for f in fields)
        if kind == "unique":
            out.append(f'ALTER TABLE "{model.table}" ADD CONSTRAINT "{name}" UNIQUE ({quoted});\n')
        else:
            out.append(f'CREATE INDEX "{name}" ON "{model.table}" ({quoted});\n')
    return out


def add_constraint(state: State, app: str, call: ast.Call) -> Sql:
    """AddConstraint as the editor sends it at once: a plain UniqueConstraint as ADD
    CONSTRAINT UNIQUE, one with a condition or expressions as CREATE UNIQUE INDEX, a
    CheckConstraint as ADD CONSTRAINT CHECK."""
    model = state.model(app, constant(keyword(call, "model_name", 0)))
    constraint = keyword(call, "constraint", 1)
    if model is None or not isinstance(constraint, ast.Call):
        return None
    model.constraints[str(constant(keyword(constraint, "name")))] = constraint
    sql = constraint_sql(state, model, constraint)
    if sql is None:
        return None
    if sql.startswith("CREATE"):
        return [sql + ";\n"]
    return [f'ALTER TABLE "{model.table}" ADD {sql};\n']


def constraint_sql(state: State, model: Model, constraint: ast.Call) -> str | None:
    """`CONSTRAINT name UNIQUE (...)`/`CONSTRAINT name CHECK (...)` as written inside CREATE
    TABLE or after ADD, or a whole CREATE UNIQUE INDEX; None when not written here."""
    name = constant(keyword(constraint, "name"))
    columns = state.columns(model)
    kind = name_of(constraint.func)
    if kind == "CheckConstraint":
        condition = keyword(constraint, "condition") or keyword(constraint, "check")
        check = check_sql(condition, columns)
        return None if check is None else f'CONSTRAINT "{name}" CHECK ({check})'
    if kind != "UniqueConstraint":
        return None
    if plain_unique(constraint):
        fields = [str(constant(f)) for f in _items(keyword(constraint, "fields"))]
        quoted = ", ".join(f'"{columns.get(f, (f, ""))[0]}"' for f in fields)
        return f'CONSTRAINT "{name}" UNIQUE ({quoted})'
    return unique_sql(model.table, constraint, columns)


def remove_constraint(state: State, app: str, call: ast.Call) -> Sql:
    model = state.model(app, constant(keyword(call, "model_name", 0)))
    name = str(constant(keyword(call, "name", 1)))
    if model is None or name not in model.constraints:
        return None
    constraint = model.constraints.pop(name)
    if name_of(constraint.func) == "UniqueConstraint" and not plain_unique(constraint):
        return [f'DROP INDEX IF EXISTS "{name}";\n']
    return [f'ALTER TABLE "{model.table}" DROP CONSTRAINT "{name}";\n']


def remove_index(state: State, app: str, call: ast.Call) -> Sql:
    name = constant(keyword(call, "name", 1))
    return [f'DROP INDEX IF EXISTS "{name}";\n'] if isinstance(name, str) else None


def delete_model(state: State, app: str, call: ast.Call) -> Sql:
    model = state.models.pop((app, str(constant(keyword(call, "name", 0))).lower()), None)
    return None if model is None else [f'DROP TABLE "{model.table}" CASCADE;\n']


def plain_unique(constraint: ast.Call) -> bool:
    """A UniqueConstraint on fields alone: a UNIQUE constraint (with a condition, expressions,
    INCLUDE or operator classes Django writes a unique index instead)."""
    others = ("condition", "include", "opclasses", "expressions", "deferrable", "nulls_distinct")
    return (
        name_of(constraint.func) == "UniqueConstraint"
        and keyword(constraint, "fields") is not None
        and not constraint.args
        and not any(k.arg in others for k in constraint.keywords)
    )


def rename_model_sql(state: State, app: str, call: ast.Call) -> Sql:
    """RenameModel.database_forwards: `alter_db_table` (`ALTER TABLE ... RENAME TO`, none
    when Meta.db_table names the table), then each relation pointing at the model altered to
    its new target (its foreign key constraint dropped and added under its new name); a
    many-to-many table of or to it is not written here (None)."""
    model = state.model(app, constant(keyword(call, "old_name", 0)))
    incoming = _incoming(state, model) if model is not None else None
    if model is None or incoming is None or model.many:
        if model is not None:
            rename_model(state, app, call)
        return None
    old = model.table
    rename_model(state, app, call)
    label = f"{model.app}.{model.name}"
    out = [] if model.table == old else [f'ALTER TABLE "{old}" RENAME TO "{model.table}";\n']
    for ref, name, item in incoming:
        moved = _retargeted(item, label)
        ref.fields[name] = moved
        names = ref.names.setdefault(name, {})
        if not constrained(moved) or "fk" not in names:
            continue
        out.append(_drop_fk(ref.table, names.pop("fk")))
        other, key, _ = state.target(ref.app, moved)
        column = column_of(name, moved)
        names["fk"] = index_name(ref.table, [column], f"_fk_{other}_{key}")
        out.append(_add_fk(ref.table, names["fk"], column, other, key))
    return out


def _incoming(state: State, model: Model) -> list[tuple[Model, str, ast.Call]] | None:
    """The foreign keys and one-to-one fields of the state's models that point at `model`;
    None when a many-to-many field does (its table is not written here)."""
    out = []
    for other in state.models.values():
        for name, item in [*other.fields.items(), *other.many.items()]:
            kind = name_of(item.func)
            if kind not in (*RELATIONS, "ManyToManyField"):
                continue
            if state.related(other.app, keyword(item, "to", 0)) != (model.app, model.name):
                continue
            if kind == "ManyToManyField":
                return None
            out.append((other, name, item))
    return out


def _retargeted(item: ast.Call, label: str) -> ast.Call:
    """The relation `item` pointing at the model `label` ("app.model"), as the state's
    rename_model leaves it."""
    keywords = [k for k in item.keywords if k.arg != "to"]
    args = list(item.args)
    target = ast.Constant(label)
    if args:
        args[0] = target
    else:
        keywords.append(ast.keyword("to", target))
    return ast.Call(item.func, args, keywords)


def _add_fk(table: str, name: str, column: str, other: str, key: str) -> str:
    return (
        f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" FOREIGN KEY ("{column}") '
        f'REFERENCES "{other}" ("{key}") DEFERRABLE INITIALLY DEFERRED;\n'
    )


WRITERS: dict[str, Callable[[State, str, ast.Call], Sql]] = {
    "AlterField": alter_field,
    "RenameField": rename_field,
    "RemoveField": remove_field,
    "AlterModelTable": alter_model_table,
    "AlterUniqueTogether": alter_unique_together,
    "AlterIndexTogether": alter_index_together,
    "AddConstraint": add_constraint,
    "RemoveConstraint": remove_constraint,
    "RemoveIndex": remove_index,
    "RemoveIndexConcurrently": remove_index,
    "DeleteModel": delete_model,
    "RenameModel": rename_model_sql,
}


def apply(state: State, app: str, call: ast.Call) -> None:
    """Move the state on past one operation (its SQL is not wanted)."""
    name = name_of(call.func)
    if name in WRITERS:
        WRITERS[name](state, app, call)
    elif name == "CreateModel":
        state.create_model(app, call)
    elif name == "AddField":
        add_field(state, app, call)
    elif name in ("SeparateDatabaseAndState", "RunSQL"):
        position = 1 if name == "SeparateDatabaseAndState" else 2
        for inner in _items(keyword(call, "state_operations", position)):
            if isinstance(inner, ast.Call):
                apply(state, app, inner)


def add_field(state: State, app: str, call: ast.Call) -> None:
    model = state.model(app, constant(keyword(call, "model_name", 0)))
    label = str(constant(keyword(call, "name", 1)))
    item = keyword(call, "field", 2)
    if model is not None and isinstance(item, ast.Call):
        state.add_field(model, label, item)


def rename_model(state: State, app: str, call: ast.Call) -> None:
    old = str(constant(keyword(call, "old_name", 0))).lower()
    model = state.models.pop((app, old), None)
    if model is None:
        return
    model.name = str(constant(keyword(call, "new_name", 1))).lower()
    if not model.named_table:
        model.table = f"{app}_{model.name}"
    state.models[(app, model.name)] = model


def _items(node: ast.expr | None) -> list[ast.expr]:
    return list(node.elts) if isinstance(node, (ast.List, ast.Tuple)) else []


def _drop_fk(table: str, name: str) -> str:
    return f'SET CONSTRAINTS "{name}" IMMEDIATE; ALTER TABLE "{table}" DROP CONSTRAINT "{name}";\n'


def _null(item: ast.Call) -> bool:
    return constant(keyword(item, "null")) is True


def _primary(item: ast.Call) -> bool:
    return constant(keyword(item, "primary_key")) is True


def _data_type(state: State, app: str, item: ast.Call) -> str:
    """The backend's data type before its parameters (`varchar(%(max_length)s)`): a change
    of it is cast with USING."""
    kind = name_of(item.func)
    if kind in RELATIONS:
        return state.type(app, item)
    if kind == "ArrayField":
        base = keyword(item, "base_field", 0)
        return "[]" + (_data_type(state, app, base) if isinstance(base, ast.Call) else "")
    return TYPES.get(kind, kind)


def should_alter(
    state: State, model: Model, old: tuple[str, ast.Call], new: tuple[str, ast.Call]
) -> bool:
    """BaseDatabaseSchemaEditor._field_should_be_altered: the column or an option that
    reaches the database changed."""
    if column_of(*old) != column_of(*new):
        return True

    def said(item: ast.Call) -> tuple[str, list[str], dict[str, str]]:
        options = {k.arg: ast.dump(k.value) for k in item.keywords if k.arg not in NON_DB}
        if name_of(item.func) in RELATIONS:
            options.pop("to", None)
            options["table"] = state.target(model.app, item)[0]
        return name_of(item.func), [ast.dump(a) for a in item.args], options  # type: ignore[misc]

    return said(old[1]) != said(new[1])


def _alter(
    state: State, model: Model, old_label: str, old: ast.Call, new_label: str, new: ast.Call
) -> Sql:
    """BaseDatabaseSchemaEditor._alter_field with PostgreSQL's additions, in their order."""
    model.fields = {(new_label if k == old_label else k): v for k, v in model.fields.items()}
    model.fields[new_label] = new
    names = model.names.pop(old_label, {})
    model.names[new_label] = names
    if not should_alter(state, model, (old_label, old), (new_label, new)):
        return []
    if _primary(old) != _primary(new) or "ManyToManyField" in (
        name_of(old.func),
        name_of(new.func),
    ):
        return None
    table = model.table
    old_column, column = column_of(old_label, old), column_of(new_label, new)
    old_type, new_type = state.type(model.app, old), state.type(model.app, new)
    auto = name_of(old.func) in AUTO and name_of(new.func) in AUTO
    widened = _primary(old) and old_type != new_type
    incoming = _incoming(state, model) if widened else []
    if widened and (not auto or incoming is None):
        return None  # another key type, or a many-to-many table's column
    rels = [(r, n, f) for r, n, f in incoming or [] if name_of(f.func) in RELATIONS]
    out: list[str] = []
    dropped_fk = "fk" in names
    if dropped_fk:
        out.append(_drop_fk(table, names.pop("fk")))
    if unique(old) and not unique(new) and "unique" in names:
        out.append(f'ALTER TABLE "{table}" DROP CONSTRAINT "{names.pop("unique")}";\n')
    for ref, name, _item in rels:  # the keys pointing at it, dropped before the type changes
        if "fk" in ref.names.get(name, {}):
            out.append(_drop_fk(ref.table, ref.names[name].pop("fk")))
    if db_index(old) and not unique(old) and (not db_index(new) or unique(new)):
        for kind in ("index", "like"):
            if kind in names:
                out.append(f'DROP INDEX IF EXISTS "{names.pop(kind)}";\n')
    old_check, new_check = check(old_column, old), check(column, new)
    if old_check != new_check and "check" in names:
        out.append(f'ALTER TABLE "{table}" DROP CONSTRAINT "{names.pop("check")}";\n')
    if old_column != column:
        out.append(f'ALTER TABLE "{table}" RENAME COLUMN "{old_column}" TO "{column}";\n')
    actions: list[str] = []
    text_changed = (db_index(old) or unique(old)) and any(
        old_type.lower().startswith(t) and not new_type.lower().startswith(t)
        for t in ("varchar", "text")
    )
    if old_type.lower() != new_type.lower():
        if (name_of(old.func) in AUTO) != (name_of(new.func) in AUTO):
            return None
        if text_changed:
            out.append(f'DROP INDEX IF EXISTS "{index_name(table, [old_column], "_like")}";\n')
            names.pop("like", None)
        using = ""
        if _data_type(state, model.app, old) != _data_type(state, model.app, new):
            using = f' USING "{column}"::{new_type}'
        actions.append(f'ALTER COLUMN "{column}" TYPE {new_type}{using}')
    old_db, new_db = keyword(old, "db_default"), keyword(new, "db_default")
    said = effective_default(new)
    if new_db is not None and (old_db is None or ast.dump(old_db) != ast.dump(new_db)) and said:
        actions.append(f'ALTER COLUMN "{column}" SET DEFAULT {said[0]}')
    elif new_db is None and old_db is not None:
        actions.append(f'ALTER COLUMN "{column}" DROP DEFAULT')
    needs_default = False
    default = effective_default(new)
    if _null(old) and not _null(new) and new_db is None:
        before = effective_default(old)
        if default is not None and (before is None or before[0] != default[0]):
            needs_default = True
            actions.append(f'ALTER COLUMN "{column}" SET DEFAULT {default[0]}')
    nulls = []
    if _null(old) != _null(new):
        nulls.append(f'ALTER COLUMN "{column}" {"DROP" if _null(new) else "SET"} NOT NULL')
    has_default = keyword(new, "default") is not None or new_db is not None
    four_way = has_default and _null(old) and not _null(new)
    if actions or nulls:
        if not four_way:
            actions += nulls
        if actions:
            out.append(f'ALTER TABLE "{table}" {", ".join(actions)};\n')
        if auto and old_type.lower() != new_type.lower():  # postgresql/schema.py's identity
            out.append(f'ALTER SEQUENCE IF EXISTS "{table}_{column}_seq" AS {new_type};\n')
        if four_way and default is not None:
            out.append(
                f'UPDATE "{table}" SET "{column}" = {default[0]} WHERE "{column}" IS NULL; '
                "SET CONSTRAINTS ALL IMMEDIATE;\n"
            )
            out.extend(f'ALTER TABLE "{table}" {null};\n' for null in nulls)
    if not _primary(new) and unique(new) and not unique(old):
        names["unique"] = index_name(table, [column], "_uniq")
        out.append(
            f'ALTER TABLE "{table}" ADD CONSTRAINT "{names["unique"]}" UNIQUE ("{column}");\n'
        )
    if (not db_index(old) or unique(old)) and db_index(new) and not unique(new):
        names["index"] = index_name(table, [column])
        out.append(f'CREATE INDEX "{names["index"]}" ON "{table}" ("{column}");\n')
    for ref, name, item in rels:  # "Type alteration on primary key? ... referring to us"
        ref_column = column_of(name, item)
        out.append(
            f'ALTER TABLE "{ref.table}" ALTER COLUMN "{ref_column}" TYPE {new_type} '
            f'USING "{ref_column}"::{new_type};\n'
        )
    if constrained(new) and (dropped_fk or not constrained(old)):
        other, key, _ = state.target(model.app, new)
        names["fk"] = index_name(table, [column], f"_fk_{other}_{key}")
        out.append(_add_fk(table, names["fk"], column, other, key))
    for ref, name, item in rels:  # "Rebuild FKs that pointed to us"
        if constrained(item):
            ref_column = column_of(name, item)
            ref.names.setdefault(name, {})["fk"] = index_name(ref.table, [ref_column], "_fk")
            out.append(_add_fk(ref.table, ref.names[name]["fk"], ref_column, table, column))
    if new_check and old_check != new_check:
        names["check"] = index_name(table, [column], "_check")
        out.append(
            f'ALTER TABLE "{table}" ADD CONSTRAINT "{names["check"]}" CHECK ({new_check});\n'
        )
    if needs_default:
        out.append(f'ALTER TABLE "{table}" ALTER COLUMN "{column}" DROP DEFAULT;\n')
    added = (not (db_index(old) or unique(old)) and db_index(new)) or (
        not unique(old) and unique(new)
    )
    pattern = pattern_ops(new_type)
    if (added or text_changed) and pattern:
        names["like"] = index_name(table, [column], "_like")
        out.append(f'CREATE INDEX "{names["like"]}" ON "{table}" ("{column}" {pattern});\n')
    if unique(old) and not (db_index(new) or unique(new)):
        names.pop("like", None)
        out.append(f'DROP INDEX IF EXISTS "{index_name(table, [old_column], "_like")}";\n')
    return out
