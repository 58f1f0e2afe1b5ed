"""Querysets whose SQL is compiled once per database connection, for the reads every portal request makes.

Building a queryset's SQL costs Django about as much CPU as running it against PostgreSQL: for the
vendor portal, whose every request reads the same few shapes (the link, the answers, the files, the
comments), the compilation was the largest single cost. A `PreparedQuery` builds its queryset once
per connection with marker values in place of its parameters, keeps the SQL and the compiler's
description of the columns, and afterwards only executes the SQL with the call's values, turning
the rows into model instances (related objects of `select_related` and annotations included) the
way the queryset itself would. On PostgreSQL the SQL is also a server-side prepared statement of
each database session, so the database does not parse and plan it again on every request either.

The marker values find where each parameter lands in the SQL's parameter list, so a parameter must
go into the SQL unchanged (a filter on a field, not a computed value); compiling checks that every
parameter landed exactly where a marker was, and refuses querysets it cannot reproduce
(`prefetch_related`, `values()`).
"""

from __future__ import annotations

import itertools
import re
import threading
import weakref
from collections.abc import Callable
from typing import Any

from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.query import ModelIterable, get_related_populators


class _Marker:
    """Stands for a parameter while the SQL is built: an int or a str that no real value equals."""

    _next = 7_930_000_000_000  # beyond any primary key this product will see

    @classmethod
    def int(cls) -> int:
        cls._next += 1
        return cls._next

    @staticmethod
    def str(name: str) -> str:
        return f"\x00prepared:{name}\x00"


_names = itertools.count(1)
# The statements prepared in each PostgreSQL session, by its psycopg2 connection: a reconnection
# is a new session, which has none.
_prepared_in_session: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_PLACEHOLDER = re.compile(r"%%|%s")


def _numbered(sql: str) -> str:
    """Django's %s placeholders as PostgreSQL's $1, $2, … (and %% as the % it stands for)."""
    numbers = itertools.count(1)
    return _PLACEHOLDER.sub(lambda m: "%" if m.group() == "%%" else f"${next(numbers)}", sql)


class _Compiled:
    __slots__ = (
        "annotations",
        "compiler",
        "converters",
        "end",
        "init_list",
        "model",
        "params",
        "populators",
        "slots",
        "sql",
        "start",
    )

    def __init__(self, queryset: QuerySet, markers: dict[str, Any], alias: str) -> None:
        if queryset._prefetch_related_lookups or queryset._iterable_class is not ModelIterable:
            raise ValueError("A prepared query returns model instances, without prefetching.")
        compiler = queryset.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        by_value = {value: name for name, value in markers.items()}
        self.slots = [(i, by_value[p]) for i, p in enumerate(params) if _hashable(p) and p in by_value]
        missing = set(markers) - {name for _, name in self.slots}
        if missing:
            raise ValueError(f"Parameters not found in the compiled SQL: {sorted(missing)}")
        self.sql, self.params = sql, list(params)
        select, klass_info = compiler.select, compiler.klass_info
        self.model = klass_info["model"]
        fields = klass_info["select_fields"]
        self.start, self.end = fields[0], fields[-1] + 1
        self.init_list = [f[0].target.attname for f in select[self.start : self.end]]
        self.populators = get_related_populators(klass_info, select, alias)
        self.annotations = list(compiler.annotation_col_map.items())
        self.compiler = compiler
        self.converters = compiler.get_converters([s[0] for s in select[: compiler.col_count]])


def _hashable(value: Any) -> bool:
    return isinstance(value, int | str) and not isinstance(value, bool)


class PreparedQuery:
    """`build(**params)` returns the queryset; calling the prepared query with the same keyword
    arguments returns its rows as a list of model instances."""

    def __init__(self, build: Callable[..., QuerySet], **kinds: type) -> None:
        self._build = build
        self._kinds = kinds  # parameter name -> int or str
        # One compilation per connection object: each thread has its own, and the compiler keeps it.
        self._compiled: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()
        self._name = f"portal_prepared_{next(_names)}"

    def _compile(self, alias: str) -> _Compiled:
        connection = connections[alias]
        compiled = self._compiled.get(connection)
        if compiled is None:
            markers = {
                name: _Marker.int() if kind is int else _Marker.str(name)
                for name, kind in self._kinds.items()
            }
            compiled = _Compiled(self._build(**markers), markers, alias)
            with self._lock:
                self._compiled[connection] = compiled
        return compiled

    def __call__(self, *, using: str = "default", **values: Any) -> list[Model]:
        if set(values) != set(self._kinds):
            raise TypeError(f"Expected the parameters {sorted(self._kinds)}, got {sorted(values)}")
        compiled = self._compile(using)
        params = list(compiled.params)
        for index, name in compiled.slots:
            params[index] = values[name]
        wrapper = connections[using]
        with wrapper.cursor() as cursor:
            sql = compiled.sql
            if wrapper.vendor == "postgresql":
                sql = self._server_prepared(wrapper, cursor, compiled, len(params))
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        if compiled.converters:
            rows = compiled.compiler.apply_converters(rows, compiled.converters)
        model, init_list, start, end = compiled.model, compiled.init_list, compiled.start, compiled.end
        objects = []
        for row in rows:
            obj = model.from_db(using, init_list, row[start:end])
            for populator in compiled.populators:
                populator.populate(row, obj)
            for attr, position in compiled.annotations:
                setattr(obj, attr, row[position])
            objects.append(obj)
        return objects

    def _server_prepared(self, wrapper, cursor, compiled: _Compiled, count: int) -> str:
        """`EXECUTE` of this query's statement, prepared first if this session has not got it.

        A session is one connection to PostgreSQL (a connection pooler would have to keep
        sessions, as a direct connection does).
        """
        session = wrapper.connection  # the cursor is open: this is the session it runs on
        prepared = _prepared_in_session.get(session)
        if prepared is None:
            prepared = _prepared_in_session.setdefault(session, set())
        if self._name not in prepared:
            # On the driver's cursor, not through Django's: preparing is not one of the request's
            # queries (and PREPARE outlives a rolled-back transaction).
            with wrapper.wrap_database_errors:
                cursor.cursor.execute(f"PREPARE {self._name} AS {_numbered(compiled.sql)}")
            prepared.add(self._name)
        return f"EXECUTE {self._name} ({', '.join(['%s'] * count)})" if count else f"EXECUTE {self._name}"
