"""A text column stored encrypted (cases/crypto.py): plain in Python, a Fernet token in the database."""

from django.db import models

from . import crypto


class EncryptedTextField(models.TextField):
    """Encrypted on the way in, decrypted on the way out. A token differs every time the same value
    is encrypted, so the column can't be searched or compared: every lookup but isnull is refused
    (search by ID number goes through the HMAC column instead)."""

    description = "加密保存的文本"

    def from_db_value(self, value, expression, connection):
        return None if value is None else crypto.decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return None if value is None else crypto.encrypt(value)

    def get_lookup(self, lookup_name):
        if lookup_name == "isnull":
            return super().get_lookup(lookup_name)
        return None  # FieldError: "Unsupported lookup … for EncryptedTextField"

    def get_transform(self, name):
        return None
