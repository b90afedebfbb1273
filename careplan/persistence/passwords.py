"""A server password the user asked CarePlan to remember, kept in the OS password store (keyring).

Never in a file of CarePlan's, and only when asked (`careplan password --remember`): the usual
places stay ~/.pgpass and PostgreSQL service files, which libpq reads itself. The data folder
keeps only the list of addresses a password was remembered for (no secret), so opening any other
database never touches the password store, which can be slow or ask to be unlocked.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

from sqlalchemy.engine import URL

from careplan.domain.errors import CarePlanError
from careplan.paths import data_dir, ensure_private_dir

SERVICE = "careplan"
_INDEX = "remembered-logins.json"


class PasswordStoreError(CarePlanError):
    """The OS password store cannot be used; the message says what to do instead."""


def account(url: URL) -> str:
    """Whose password, where: login@host:port/database (no password in it)."""
    return f"{url.username}@{url.host or 'localhost'}:{url.port or 5432}/{url.database or ''}"


def _index() -> set[str]:
    try:
        return set(json.loads((data_dir() / _INDEX).read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return set()


def _write_index(accounts: set[str]) -> None:
    folder = ensure_private_dir(data_dir())
    (folder / _INDEX).write_text(json.dumps(sorted(accounts)), encoding="utf-8")


def _keyring() -> Any:
    try:
        import keyring
        from keyring.errors import KeyringError
    except ImportError:  # pragma: no cover (a dependency; a broken install)
        raise PasswordStoreError("CarePlan cannot reach the OS password store (keyring is not installed); keep "
                                 "the password in ~/.pgpass (mode 0600) instead.") from None
    return keyring, KeyringError


def remember(url: URL, password: str) -> None:
    keyring, error = _keyring()
    try:
        keyring.set_password(SERVICE, account(url), password)
    except error as e:
        raise PasswordStoreError(f"This computer's password store refused the password ({type(e).__name__}); "
                                 "keep it in ~/.pgpass (mode 0600) instead. Nothing was stored.") from None
    _write_index(_index() | {account(url)})


def forget(url: URL) -> bool:
    """True when a remembered password was removed."""
    keyring, error = _keyring()
    known = account(url) in _index()
    # Nothing stored (PasswordDeleteError), or the store is gone: either way nothing to forget.
    with contextlib.suppress(error):
        keyring.delete_password(SERVICE, account(url))
    _write_index(_index() - {account(url)})
    return known


def with_remembered_password(url: URL) -> URL:
    """The URL with the remembered password (in memory only), or as it was."""
    if url.get_backend_name() != "postgresql" or url.password is not None or not url.username:
        return url
    if account(url) not in _index():
        return url
    keyring, error = _keyring()
    try:
        password = keyring.get_password(SERVICE, account(url))
    except error:
        return url  # the store is locked or gone: libpq then says a password is missing, in one sentence
    return url if password is None else url.set(password=password)
