"""The sentence tables of persistence/db_problems.py: every problem and every refused login has its
one sentence, naming the database and the login, with the server's words kept as they came.

The real errors (a held lock, a read-only mount, a full disk, a refused login) are raised in
test_db_problems.py and test_pg_logins.py; here every table row is reached at least once."""

from __future__ import annotations

import sqlite3

import psycopg.errors
import pytest

from careplan.persistence import db_problems
from careplan.persistence.db_problems import Problem

WHERE = "The file {clinic} & <b>.sqlite3"  # braces and markup in a name must come out as they are


@pytest.mark.parametrize(("words", "problem", "says"), [
    ("database is locked", Problem.LOCKED, "held it for more than 2.5 s"),
    ("attempt to write a readonly database", Problem.READ_ONLY, "is read-only"),
    ("database or disk is full", Problem.FULL, "is full"),
    ("file is not a database", Problem.DAMAGED, "is damaged (SQLite: file is not a database)"),
])
def test_each_sqlite_problem_has_its_sentence(words: str, problem: Problem, says: str) -> None:
    error = sqlite3.OperationalError(words)
    assert db_problems.classify(error) == (problem, words)
    sentence = db_problems.describe(error, WHERE, busy_seconds=2.5) or ""
    assert says in sentence and WHERE in sentence
    assert sentence.count(".") >= 1 and "\n" not in sentence


@pytest.mark.parametrize(("state", "problem", "says"), [
    ("55P03", Problem.LOCKED, "locked by another program"),
    ("25006", Problem.READ_ONLY, "is read-only"),
    ("53100", Problem.FULL, "is full"),
    ("XX001", Problem.DAMAGED, "is damaged"),
    ("42501", Problem.DENIED, "refused this to your login (permission denied for table {x} & <b>)"),
    ("08006", Problem.CONNECTION_LOST, "was lost"),
])
def test_each_server_problem_has_its_sentence(state: str, problem: Problem, says: str) -> None:
    error = psycopg.errors.lookup(state)("permission denied for table {x} & <b>.\nDETAIL: Key (mrn)=(A1) exists")
    found = db_problems.classify(error)
    assert found is not None and found[0] is problem
    sentence = db_problems.describe(error, WHERE, busy_seconds=2.5) or ""
    assert says in sentence and "(mrn)" not in sentence  # the detail line may quote a row: never shown


def test_an_unknown_error_has_no_sentence() -> None:
    assert db_problems.describe(sqlite3.OperationalError("near \"x\": syntax error"), WHERE, busy_seconds=1) is None
    assert db_problems.describe(ValueError("database is locked"), WHERE, busy_seconds=1) is None


# The server's own words (PostgreSQL's auth.c and postinit.c) for each refusal.
@pytest.mark.parametrize(("message", "says", "password"), [
    ('FATAL:  password authentication failed for user "{bob}"', "refused the password for the login {bob}",
     "refused"),
    ('FATAL:  role "{bob}" is not permitted to log in', "The login {bob} is disabled on db:5432", None),
    ("fe_sendauth: no password supplied", "asks for the login {bob}'s password", "missing"),
    ('FATAL:  role "{bob}" does not exist', "does not know the login {bob}", None),
    ('FATAL:  permission denied for database "careplan"', "The login {bob} may not connect", None),
    ("could not connect to server: Connection refused", None, None),
])
def test_each_refused_login_has_its_sentence(message: str, says: str | None, password: str | None) -> None:
    sentence = db_problems.login_problem(message, "db:5432", "{bob}")
    assert (sentence is None) if says is None else (sentence is not None and says in sentence
                                                     and sentence.endswith("Nothing was opened."))
    assert db_problems.password_problem(message) == password


def test_a_refused_login_without_a_user_name_says_your_login() -> None:
    assert (db_problems.login_problem('FATAL:  role "x" is not permitted to log in', "db", None) or "").startswith(
        "Your login is disabled on db")
