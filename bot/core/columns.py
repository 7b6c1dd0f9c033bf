"""Column types: instants in UTC, partners' words sealed (encrypted), closed sets as strings."""

from __future__ import annotations

import enum
import functools
import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import Date, DateTime, Enum, LargeBinary
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from bot.core import crypto

__all__ = [
    "LocalDate",
    "Sealed",
    "SealedJSON",
    "StrEnumColumn",
    "UTCDateTime",
    "from_micros",
    "to_micros",
]

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_T = TypeVar("_T")


def to_micros(value: datetime) -> int:
    """An aware instant as whole microseconds since the Unix epoch: SQLite's form of it."""
    if value.tzinfo is None:
        raise ValueError("naive datetimes are not accepted; pass an aware UTC time")
    delta = value - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


@functools.lru_cache(maxsize=65_536)
def from_micros(value: int) -> datetime:
    """The aware UTC instant `to_micros` stored (cached: a tick reads the same few instants
    tens of thousands of times, and a datetime is immutable)."""
    return EPOCH + timedelta(microseconds=value)


class _IntegerOnSQLite(TypeDecorator[_T]):
    """A value SQLite keeps as an integer. The declared type stays (DATETIME, DATE): SQLite
    stores an integer in any column as it is; other databases use the type's own form."""

    cache_ok = True
    # staticmethods in each subclass: value -> integer, integer -> value (None passes through)
    to_sqlite: Callable[[Any], int | None]
    from_sqlite: Callable[[Any], Any]

    def bind_processor(self, dialect: Dialect) -> Callable[[Any], Any] | None:
        """On SQLite, the value goes in as its integer."""
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)
        return type(self).to_sqlite

    def result_processor(self, dialect: Dialect, coltype: object) -> Callable[[Any], Any] | None:
        """On SQLite, the integer comes back as the value."""
        if dialect.name != "sqlite":
            return super().result_processor(dialect, coltype)
        return type(self).from_sqlite


def _to_micros_or_none(value: datetime | None) -> int | None:
    return None if value is None else to_micros(value)


def _from_micros_or_none(value: int | None) -> datetime | None:
    return None if value is None else from_micros(value)


class UTCDateTime(_IntegerOnSQLite[datetime]):
    """An instant, returned as aware UTC. PostgreSQL keeps a naive UTC timestamp; SQLite keeps
    microseconds since the epoch, an 8-byte integer where its own text form takes 26 bytes
    (instants are most of a gesture's or a prompt's row, and their indexes)."""

    impl = DateTime
    cache_ok = True
    to_sqlite = staticmethod(_to_micros_or_none)
    from_sqlite = staticmethod(_from_micros_or_none)

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Convert an aware datetime to naive UTC before it is stored."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not accepted; pass an aware UTC time")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Attach UTC to the naive value read back."""
        return None if value is None else value.replace(tzinfo=UTC)


def _to_yyyymmdd_or_none(value: date | None) -> int | None:
    return None if value is None else value.year * 10_000 + value.month * 100 + value.day


@functools.lru_cache(maxsize=4_096)
def _from_yyyymmdd(value: int) -> date:
    return date(value // 10_000, value // 100 % 100, value % 100)


def _from_yyyymmdd_or_none(value: int | None) -> date | None:
    return None if value is None else _from_yyyymmdd(value)


class LocalDate(_IntegerOnSQLite[date]):
    """A calendar date. SQLite keeps it as the integer YYYYMMDD: 4 bytes where its text form
    takes 10, still in order and still readable by eye. PostgreSQL keeps a DATE."""

    impl = Date
    cache_ok = True
    to_sqlite = staticmethod(_to_yyyymmdd_or_none)
    from_sqlite = staticmethod(_from_yyyymmdd_or_none)


class Sealed(TypeDecorator[str]):
    """Text stored encrypted with the host's key (see bot.core.crypto)."""

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> bytes | None:
        """Encrypt before storing."""
        return None if value is None else crypto.vault().encrypt(value.encode())

    def process_result_value(self, value: bytes | None, dialect: Dialect) -> str | None:
        """Decrypt what was read."""
        return None if value is None else crypto.vault().decrypt(bytes(value)).decode()


class SealedJSON(TypeDecorator[dict[str, Any]]):
    """A JSON object stored encrypted."""

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value: dict[str, Any] | None, dialect: Dialect) -> bytes | None:
        """Serialise and encrypt."""
        if value is None:
            return None
        # Not deflated: queued messages live a few days, and the tick seals thousands at once.
        return crypto.vault().encrypt(json.dumps(value, ensure_ascii=False).encode(), deflate=False)

    def process_result_value(self, value: bytes | None, dialect: Dialect) -> dict[str, Any] | None:
        """Decrypt and parse."""
        if value is None:
            return None
        return dict(json.loads(crypto.vault().decrypt(bytes(value))))


def _values(enum_class: type[enum.Enum]) -> list[str]:
    return [str(member.value) for member in enum_class]


def StrEnumColumn(enum_class: type[enum.Enum], length: int) -> Enum:
    """A closed set stored as its string values (VARCHAR, no database enum type)."""
    return Enum(
        enum_class,
        native_enum=False,
        length=length,
        values_callable=_values,
        create_constraint=False,
    )
