"""Queries and row writes whose SQL is built once per process, for the paths that run them for
every email.

Django builds a query's SQL again on every call, and for the intake's statements that costs
five to ten times what the database does (a ticket by id with its customer: 0.5 to 0.9 ms of
building against 0.07 ms of SQLite). Here:

- ``Prepared(make, pk=int)`` compiles the queryset ``make(pk=...)`` once per connection, with
  a placeholder for each named value, and then only runs it: the same SQL, the same
  converters and the same model instances (``select_related`` objects included) as the
  queryset would give. A named value reaches the SQL as a parameter, never as text.
- ``insert(objs)`` writes instances of one model in one ``INSERT ... RETURNING`` (their pks
  set, as ``bulk_create`` does); ``update(obj, fields)`` and ``update_many(objs, fields)``
  write the named fields by primary key (``auto_now`` fields included, as ``save`` would).

Nothing else changes: the same tables, constraints and triggers, the connection's execute
wrappers see every statement, and the models send no signals here (none of these models has
a receiver).
"""

from __future__ import annotations

import contextlib
import functools
import threading
import weakref
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

import psycopg
from django.db import DEFAULT_DB_ALIAS, connection, connections, models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import CursorWrapper
from django.db.models import QuerySet
from django.db.models.query import get_related_populators
from django.db.models.sql.compiler import SQLCompiler
from django.db.transaction import TransactionManagementError

from sladesk.pg_send import Sent

if TYPE_CHECKING:
    from django.db.models import Field

M = TypeVar("M", bound=models.Model)
if TYPE_CHECKING:
    AnyField = Field[Any, Any]

_INT_SENTINEL = 2_147_418_113  # values no query asks for (in range of any integer field), found again in the parameters
_STR_SENTINEL = "\x1fsladesk.sql:{}\x1f"
_DT_SENTINEL = datetime(1901, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class _Built:
    compiler: SQLCompiler
    sql: str
    params: tuple[Any, ...]
    slots: tuple[tuple[int, str], ...]  # (position in params, name of the value)
    converters: dict[int, Any]
    init_list: tuple[str, ...]
    start: int
    end: int
    populators: tuple[Any, ...]
    for_update: bool


class Prepared(Generic[M]):
    """A queryset compiled once; ``kinds`` names its values and their types (int, str, datetime)."""

    def __init__(self, make: Callable[..., QuerySet[M]], **kinds: type) -> None:
        self.make, self.kinds = make, kinds
        self._built: weakref.WeakKeyDictionary[BaseDatabaseWrapper, _Built] = weakref.WeakKeyDictionary()

    def all(self, **values: Any) -> list[M]:
        db = connections[DEFAULT_DB_ALIAS]  # the thread's own (``connection`` is a proxy)
        built = self._built.get(db) or self._build()
        if built.for_update and db.features.has_select_for_update and db.get_autocommit():
            raise TransactionManagementError("select_for_update cannot be used outside of a transaction.")
        params = list(built.params)
        for position, name in built.slots:
            params[position] = _adapt(values[name])
        with db.cursor() as cursor:
            cursor.execute(built.sql, params)
            rows: Any = cursor.fetchall()
        if not rows:
            return []
        if built.converters:
            rows = built.compiler.apply_converters(rows, built.converters)
        model = cast("type[M]", built.compiler.klass_info["model"])
        alias, init, start, end = db.alias, built.init_list, built.start, built.end
        out = []
        for row in rows:
            obj = model.from_db(alias, init, row[start:end])
            for populator in built.populators:
                populator.populate(row, obj)
            out.append(obj)
        return out

    def first(self, **values: Any) -> M | None:
        found = self.all(**values)
        return found[0] if found else None

    def _build(self) -> _Built:
        sentinels = {name: _sentinel(kind, i) for i, (name, kind) in enumerate(self.kinds.items())}
        queryset = self.make(**sentinels)
        compiler = queryset.query.get_compiler(using=queryset.db)
        sql, params = compiler.as_sql()
        wanted = {_adapt(value): name for name, value in sentinels.items()}
        slots = tuple((i, wanted[p]) for i, p in enumerate(params) if _hashable(p) and p in wanted)
        missing = set(self.kinds) - {name for _, name in slots}
        if missing:
            raise ValueError(f"Prepared: {sorted(missing)} did not reach the SQL as parameters: {sql}")
        select, klass_info = compiler.select, compiler.klass_info
        if klass_info is None or compiler.annotation_col_map:
            raise TypeError(f"Prepared takes querysets of model instances, without annotations: {sql}")
        fields = klass_info["select_fields"]
        start, end = fields[0], fields[-1] + 1
        built = _Built(
            compiler=compiler,
            sql=sql,
            params=tuple(params),
            slots=slots,
            converters=compiler.get_converters([s[0] for s in select[0 : compiler.col_count]]),
            init_list=tuple(f[0].target.attname for f in select[start:end]),
            start=start,
            end=end,
            populators=tuple(get_related_populators(klass_info, select, queryset.db)),  # type: ignore[call-arg]
            for_update=bool(queryset.query.select_for_update),
        )
        self._built[connections[DEFAULT_DB_ALIAS]] = built
        return built


def _sentinel(kind: type, i: int) -> Any:
    if kind is int:
        return _INT_SENTINEL - i
    if kind is str:
        return _STR_SENTINEL.format(i)
    if kind is datetime:
        return _DT_SENTINEL + timedelta(microseconds=i + 1)
    raise TypeError(f"Prepared takes int, str and datetime values, not {kind.__name__}")


def _adapt(value: Any) -> Any:
    """A value as the compiler would put it among the parameters (only instants differ)."""
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    return value


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


# ---- writes -----------------------------------------------------------------------------------
def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


# A value of exactly this type goes to the database as it is for a field of exactly this class
# (what ``get_db_prep_save`` would give back unchanged); any other value takes Django's way.
_AS_IS: dict[type[Any], type[Any]] = {
    models.CharField: str, models.TextField: str, models.EmailField: str, models.BooleanField: bool,
    models.IntegerField: int, models.BigIntegerField: int, models.PositiveIntegerField: int,
    models.SmallIntegerField: int, models.PositiveSmallIntegerField: int, models.BigAutoField: int,
    models.AutoField: int,
}  # fmt: skip


_INSTANT = object()  # an aware instant of a plain DateTimeField: the backend's own adaptation, directly


def _as_is(field: AnyField) -> type[Any] | object | None:
    if isinstance(field, models.ForeignKey):
        field = field.target_field
    if type(field) is models.DateTimeField and not (field.auto_now or field.auto_now_add):
        # get_db_prep_save of an aware datetime is the backend's adapt_datetimefield_value of it
        # (the field's own steps only warn about naive ones, which take Django's way here).
        return _INSTANT
    return _AS_IS.get(type(field))


Plan = tuple[tuple[str, "type[Any] | object | None", "AnyField"], ...]


def plan(fields: Sequence[AnyField]) -> Plan:
    """How ``values`` reads each field (worked out once by the caller: fields hash slowly)."""
    return tuple((f.attname, _as_is(f), f) for f in fields)


@functools.cache
def _insert_fields(model: type[models.Model]) -> tuple[tuple[AnyField, ...], Plan]:
    fields = tuple(f for f in model._meta.concrete_fields if not f.primary_key)
    return fields, plan(fields)


def values(obj: models.Model, fields: Plan, add: bool, db: BaseDatabaseWrapper) -> list[Any]:
    """``[f.get_db_prep_save(f.pre_save(obj, add), db) for f in fields]``, a plain value as it is."""
    out = []
    for attname, kind, f in fields:
        value = getattr(obj, attname)
        if kind is not None and (value is None or type(value) is kind):
            out.append(value)
        elif kind is _INSTANT and type(value) is datetime and value.tzinfo is not None:
            out.append(db.ops.adapt_datetimefield_value(value))
        else:
            out.append(f.get_db_prep_save(f.pre_save(obj, add), db))
    return out


@functools.cache
def _insert_sql(model: type[models.Model], rows: int, vendor: str) -> str:
    fields, _ = _insert_fields(model)
    columns = ", ".join(_quote(str(f.column)) for f in fields)
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    table, pk = _quote(model._meta.db_table), _quote(str(model._meta.pk.column))
    # Names from the model, values as parameters.
    return f"INSERT INTO {table} ({columns}) VALUES {', '.join([one] * rows)} RETURNING {pk}"  # noqa: S608


# ---- writes together (PostgreSQL) ---------------------------------------------------------------
IDS_AT_ONCE = 100  # ids taken from a sequence in one statement
MAX_TOGETHER_PARAMS = 20_000  # a statement's parameters (PostgreSQL takes 65,535)


Kept = tuple[tuple[str, object], str, list[Any]]  # (what it writes, statement, parameters)


class _Together(threading.local):
    def __init__(self) -> None:
        self.pending: list[Kept] | None = None
        self.ids: dict[type[models.Model], list[int]] = {}  # by model: ids taken, not used yet
        self.state: dict[str, Any] = {}  # what callers keep for the while (``together_state``)
        self.at_end: list[Callable[[], None]] = []
        self.sent: Any = None  # a statement sent and not answered yet (``_send``): its cursor


_together = _Together()


@contextlib.contextmanager
def writes_together() -> Iterator[None]:
    """Within it, on PostgreSQL (elsewhere it changes nothing): ``insert`` gives new rows ids
    taken ahead from their sequences (``IDS_AT_ONCE`` in one statement) instead of asking each
    INSERT for them, and ``insert`` and ``update_many`` keep their statements instead of running
    them. What is kept runs as one statement (each kept statement a data-modifying WITH query of
    it) before any other statement, before a write to a table with an insert kept or a second
    update of a row already kept (a row is never written twice in one statement, nor updated
    before its insert ran), and at the end: the intake's writes of one email (a ticket with its
    message, event and metrics; a reply with its message and event, the metrics and the ticket
    changed) cost one round trip or two instead of four. When what makes it run is another
    write (nothing reads it yet), it is only sent (``pg_send``): its answer, an error included,
    is read before the connection's next statement, and meanwhile this process goes on.

    The statements of one WITH run on one snapshot, in no set order: none reads what another
    writes, and the foreign keys, checked at commit (Django makes them ``DEFERRABLE INITIALLY
    DEFERRED``), do not mind the order. For use inside one transaction with no savepoint that
    could roll back a part of it: an error is raised by the statement that runs what was kept
    (the caller then undoes the whole transaction); an exception leaves the rest unwritten. Ids
    taken and not used are skipped (the sequences have gaps, as after any rollback)."""
    db = connections[DEFAULT_DB_ALIAS]
    if db.vendor != "postgresql" or _together.pending is not None:
        yield
        return
    _together.pending, _together.ids, _together.state, _together.at_end = [], {}, {}, []
    try:
        with db.execute_wrapper(_before_any):
            yield
            for last in _together.at_end:
                last()
            _run_kept(db)
    finally:
        if _together.sent is not None:  # an exception: its answer read (and dropped) before the rollback
            with contextlib.suppress(Exception):
                _answered(db)
        _together.pending, _together.ids, _together.state, _together.at_end = None, {}, {}, []


def writing_together() -> bool:
    return _together.pending is not None


def together_state(key: str, default: Callable[[], Any], at_end: Callable[[Any], None] | None = None) -> Any:
    """What a caller keeps while ``writes_together`` lasts, under ``key`` (made by ``default``
    the first time, ``at_end`` called with it before the last writes run)."""
    if key not in _together.state:
        value = _together.state[key] = default()
        if at_end is not None:
            _together.at_end.append(lambda: at_end(value))
    return _together.state[key]


def _before_any(execute: Callable[..., Any], statement: str, params: Any, many: bool, context: Any) -> Any:
    if _together.sent is not None:
        _answered(connections[DEFAULT_DB_ALIAS])  # one statement at a time on a connection
    if _together.pending and statement != _NEXT_IDS:  # taking ids reads nothing kept
        _run_kept(connections[DEFAULT_DB_ALIAS])
    return execute(statement, params, many, context)


def keep(db: BaseDatabaseWrapper, writes: tuple[str, object], statement: str, params: list[Any]) -> None:
    """Keep a write to run with the others (``writes``: its table and ``"insert"``, or its
    table and the row's key). What is kept runs first when this one would not see it: an insert
    into the same table (rows inserted by one WITH query are not seen by the others of its
    statement, so an update of them would find nothing), or an update of the same row."""
    pending = cast("list[Kept]", _together.pending)
    table = writes[0]
    if (
        any(w in (writes, (table, "insert")) for w, _, _ in pending)
        or sum(len(p) for _, _, p in pending) + len(params) > MAX_TOGETHER_PARAMS
    ):
        _run_kept(db, wait=False)  # which starts a new list
    cast("list[Kept]", _together.pending).append((writes, statement, params))


def _run_kept(db: BaseDatabaseWrapper, *, wait: bool = True) -> None:
    """Run what is kept. ``wait=False`` (a write that comes after it, nothing read): only sent,
    its answer read before the next statement (``_before_any``) or at the end, so that the
    database writes it while this process goes on (an error is raised then, by that statement)."""
    if _together.sent is not None:
        _answered(db)
    pending = _together.pending
    if not pending:
        return
    _together.pending = []
    kept = tuple(statement for _, statement, _ in pending)
    params = [value for _, _, values in pending for value in values]
    if wait or db.queries_logged:
        run(db, _together_statement(kept), params)
    else:
        _send(db, _together_statement(kept), params)


def _send(db: BaseDatabaseWrapper, statement: str, params: list[Any]) -> None:
    """Send ``statement`` through the connection's wrappers without waiting for its answer
    (``pg_send``; read by ``_answered``)."""

    def send(numbered: str, values: Any, _many: bool, _context: Any) -> None:
        with db.wrap_database_errors:
            _together.sent = Sent(db.connection, numbered, values)

    CursorWrapper(None, db)._execute_with_wrappers(_numbered(statement), params, False, send)


def _answered(db: BaseDatabaseWrapper) -> None:
    """Read the answer of the statement sent (``_send``); raise its error."""
    sent, _together.sent = _together.sent, None
    with db.wrap_database_errors:
        sent.answer()


def _together_statement(kept: tuple[str, ...]) -> str:
    """The one statement of ``kept``: each a WITH query but the last."""
    *first, last = kept
    head = ", ".join(f"w{i} AS ({one})" for i, one in enumerate(first))
    return f"WITH {head} {last}" if first else last


def run(db: BaseDatabaseWrapper, statement: str, params: Sequence[Any], *, fetch: bool = False) -> list[Any]:
    """Run ``statement`` (``%s`` placeholders, none other than them) through the connection's
    wrappers; its rows when ``fetch``. On PostgreSQL its placeholders go numbered (``$1``,
    ``$2``...), numbered here once per statement, not by psycopg at every run: for a statement
    this long (a batch's rows, an email's writes together: thousands of characters, hundreds of
    values) psycopg does not cache its conversion, and made it again for 0.1 ms of the intake's
    2.5 ms per email. (Not while Django logs its queries: it puts the values in the ``%s`` way.)"""
    if db.vendor != "postgresql" or db.queries_logged:
        with db.cursor() as cursor:
            cursor.execute(statement, params)
            return list(cursor.fetchall()) if fetch else []
    with _raw_cursor(db) as cursor:
        cursor.execute(_numbered(statement), params)
        return list(cursor.fetchall()) if fetch else []


@functools.lru_cache(maxsize=1024)
def _numbered(statement: str) -> str:
    """``statement`` with its ``%s`` placeholders numbered ``$1``, ``$2``..."""
    parts = statement.split("%s")
    if any("%" in part for part in parts):
        raise ValueError("a statement to number holds a '%' other than its placeholders")
    out = [parts[0]]
    for n, part in enumerate(parts[1:], 1):
        out += (f"${n}", part)
    return "".join(out)


def _raw_cursor(db: BaseDatabaseWrapper) -> Any:
    """A cursor of the connection that takes ``$n`` placeholders as they are (psycopg's
    ``RawCursor``), wrapped as Django wraps its own (execute wrappers, debug log)."""
    db.ensure_connection()
    return db._prepare_cursor(psycopg.RawCursor(db.connection))  # type: ignore[attr-defined]


_NEXT_IDS = "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)"


def _ids_for(db: BaseDatabaseWrapper, model: type[models.Model], n: int) -> list[int]:
    pool = _together.ids.setdefault(model, [])
    if len(pool) < n:
        with db.cursor() as cursor:
            cursor.execute(_NEXT_IDS, [model._meta.db_table, model._meta.pk.column, max(n - len(pool), IDS_AT_ONCE)])
            pool.extend(row[0] for row in cursor.fetchall())
    taken = pool[:n]
    del pool[:n]
    return taken


@functools.cache
def _insert_with_ids_sql(model: type[models.Model], rows: int) -> str:
    fields, _ = _insert_fields(model)
    columns = ", ".join(_quote(str(f.column)) for f in (model._meta.pk, *fields))
    one = "(" + ", ".join(["%s"] * (len(fields) + 1)) + ")"
    return f"INSERT INTO {_quote(model._meta.db_table)} ({columns}) VALUES {', '.join([one] * rows)}"  # noqa: S608


def _insert_kept(db: BaseDatabaseWrapper, model: type[models.Model], objs: Sequence[models.Model], how: Plan) -> None:
    size = max(1, MAX_TOGETHER_PARAMS // (len(how) + 1))
    for start in range(0, len(objs), size):
        chunk = objs[start : start + size]
        params: list[Any] = []
        for obj, pk in zip(chunk, _ids_for(db, model, len(chunk)), strict=True):
            obj.pk = pk
            params.append(pk)
            params += values(obj, how, True, db)
            obj._state.adding, obj._state.db = False, db.alias
        keep(db, (model._meta.db_table, "insert"), _insert_with_ids_sql(model, len(chunk)), params)


def insert(objs: Sequence[models.Model]) -> None:
    """Insert ``objs`` (new instances of one model), setting their primary keys (within
    ``writes_together``, kept to run with others)."""
    if not objs:
        return
    db = connections[DEFAULT_DB_ALIAS]  # the thread's own, not the proxy (each attribute through it costs)
    model = type(objs[0])
    fields, how = _insert_fields(model)
    if _together.pending is not None:
        _insert_kept(db, model, objs, how)
        return
    size = 1 if len(objs) == 1 else max(db.ops.bulk_batch_size(list(fields), list(objs)), 1)
    for start in range(0, len(objs), size):
        chunk = objs[start : start + size]
        params = [value for obj in chunk for value in values(obj, how, True, db)]
        pks = [row[0] for row in run(db, _insert_sql(model, len(chunk), db.vendor), params, fetch=True)]
        for obj, pk in zip(chunk, pks, strict=True):
            obj.pk = pk
            obj._state.adding, obj._state.db = False, db.alias


@functools.cache
def _update_sql(model: type[models.Model], names: tuple[str, ...], vendor: str) -> tuple[str, Plan]:
    fields = tuple(cast("AnyField", model._meta.get_field(name)) for name in names)
    sets = ", ".join(f"{_quote(str(f.column))} = %s" for f in fields)
    table, pk = _quote(model._meta.db_table), _quote(str(model._meta.pk.column))
    return f"UPDATE {table} SET {sets} WHERE {pk} = %s", plan(fields)  # noqa: S608 (names from the model)


def update_statement(obj: models.Model, names: Sequence[str]) -> tuple[str, list[Any]]:
    """The statement and parameters ``update(obj, names)`` runs, its values as they are now (to
    run later, or with others of the same statement in one ``executemany``)."""
    db = connections[DEFAULT_DB_ALIAS]
    statement, fields = _update_sql(type(obj), tuple(dict.fromkeys(names)), db.vendor)
    return statement, [*values(obj, fields, False, db), obj.pk]


def update(obj: models.Model, names: Sequence[str]) -> None:
    """Write the fields ``names`` of ``obj`` (saved already) by its primary key."""
    update_many([obj], names)


def update_many(objs: Sequence[models.Model], names: Sequence[str]) -> None:
    """``update`` for instances of one model, in one ``executemany``."""
    if not objs:
        return
    db = connections[DEFAULT_DB_ALIAS]
    sql, fields = _update_sql(type(objs[0]), tuple(dict.fromkeys(names)), db.vendor)
    rows = [[*values(obj, fields, False, db), obj.pk] for obj in objs]
    if _together.pending is not None:
        table = objs[0]._meta.db_table
        for obj, row in zip(objs, rows, strict=True):
            keep(db, (table, obj.pk), sql, row)
        return
    with db.cursor() as cursor:
        if len(rows) == 1:
            cursor.execute(sql, rows[0])
        else:
            cursor.executemany(sql, rows)
