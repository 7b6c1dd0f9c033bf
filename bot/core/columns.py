"""Column types: instants in UTC, partners' words sealed (encrypted), closed sets as strings."""

from __future__ import annotations

import enum
import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Enum, LargeBinary
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from bot.core import crypto

__all__ = ["Sealed", "SealedJSON", "StrEnumColumn", "UTCDateTime"]


class UTCDateTime(TypeDecorator[datetime]):
    """Stores naive UTC, returns aware UTC: SQLite keeps no offsets, PostgreSQL agrees."""

    impl = DateTime
    cache_ok = True

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
        return crypto.vault().encrypt(json.dumps(value, ensure_ascii=False).encode())

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
