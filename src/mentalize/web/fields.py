"""``EncryptedTextField``: a model field that is ``str`` in Python and AES-GCM bytes in the DB.

Encryption happens in the field, not in views, so no code path can save clinical text in the
clear by forgetting a call. Such columns cannot be searched or sorted by the database; that is the
price, and nothing in the app needs it.
"""

from __future__ import annotations

from typing import Any

from django.db import models

from mentalize.web.crypto import cipher


class EncryptedTextField(models.BinaryField):
    """Text encrypted with the data directory's key; the column's name is the associated data."""

    description = "Text encrypted at rest (AES-256-GCM)"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def _context(self) -> str:
        return f"{self.model._meta.label_lower}.{self.name}"

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> str | None:
        if value is None:
            return None
        return cipher().decrypt(bytes(value), self._context())

    def to_python(self, value: Any) -> Any:
        return value

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        if value is None:
            return None
        if isinstance(value, bytes) and not value:  # BinaryField's implicit default
            value = ""
        if not isinstance(value, str):
            raise TypeError(f"{self._context()}: expected text, got {type(value).__name__}")
        return super().get_db_prep_value(
            cipher().encrypt(value, self._context()), connection, prepared
        )

    def value_to_string(self, obj: Any) -> str:
        raise TypeError(f"{self._context()}: encrypted fields are not serialised")
