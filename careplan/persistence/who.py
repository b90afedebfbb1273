"""The server says who did it: author and actor columns stamped from the login (PostgreSQL).

Once `careplan admin init` has run on a PostgreSQL database (roles.py), every column listed in
STAMPED is checked by a trigger against the staff table's printed name for `session_user`, the
role the server authenticated. `session_user` is used, not `current_user`: `SET ROLE` changes
the latter but never the login. A row that names someone else is refused; an empty author is
filled in. The app reads the same printed name when it opens the database (engine.Database.
server_name), so the names it hashes into revisions and the audit chain are the server's.

Before `admin init`, and on SQLite, no stamp trigger exists and nothing here runs: a single
desktop file is protected by the computer's own login.

A new table with a who-column (signatures, rule decisions, templates) is one line in STAMPED;
`careplan admin upgrade` installs its trigger.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import Connection

STAFF_TABLE = "careplan_staff"
STAMP_FUNCTION = "careplan_stamp_who"
# SQLSTATEs the stamp raises (class CP is CarePlan's own), mapped to one sentence in db_problems.
NOT_THE_LOGIN = "CP001"
NOT_STAFF = "CP002"


@dataclass(frozen=True)
class Stamped:
    table: str
    column: str
    # "fill": an empty value is filled with the printed name, another name refused. "check": a
    # nullable column whose NULL means "nobody yet" (catalogue_items.edited_by on a shipped item)
    # is only checked, never filled. "login": the login itself (session_user), not the name.
    mode: str = "fill"

    @property
    def trigger(self) -> str:
        return f"{self.table}_{self.column}_stamp"


STAMPED = (
    Stamped("plan_revisions", "author"),
    Stamped("audit_events", "actor"),
    Stamped("assessments", "author"),
    Stamped("plan_drafts", "author"),
    Stamped("catalogue_items", "edited_by", mode="check"),
    Stamped("audit_events", "login", mode="login"),
    Stamped("revision_signatures", "printed_name"),
    Stamped("revision_signatures", "signed_by", mode="login"),
    Stamped("prompt_decisions", "actor"),
    Stamped("guideline_rules", "edited_by", mode="check"),
    Stamped("templates", "edited_by", mode="check"),
)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def stamp_function_statement(schema: str) -> str:
    """SECURITY DEFINER with the schema fixed and pg_temp last: an editor cannot slip in a
    temporary careplan_staff table that names them as somebody else."""
    s = _quote(schema)
    return (
        f"CREATE OR REPLACE FUNCTION {s}.{STAMP_FUNCTION}() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER "
        f"SET search_path = {s}, pg_catalog, pg_temp AS $$ "
        "DECLARE col text := TG_ARGV[0]; mode text := TG_ARGV[1]; "
        "given text := to_jsonb(NEW) ->> col; who text; "
        "BEGIN "
        # The owner and superusers can switch any trigger off anyway: daily work never uses them.
        "IF (SELECT r.rolsuper FROM pg_roles r WHERE r.rolname = session_user) "
        "OR pg_has_role(session_user, (SELECT c.relowner FROM pg_class c WHERE c.oid = TG_RELID), 'MEMBER') "
        "THEN RETURN NEW; END IF; "
        "IF TG_OP = 'UPDATE' AND (to_jsonb(OLD) ->> col) IS NOT DISTINCT FROM given THEN RETURN NEW; END IF; "
        f"SELECT st.printed_name INTO who FROM {s}.{STAFF_TABLE} st WHERE st.login = session_user AND st.active; "
        f"IF who IS NULL THEN RAISE EXCEPTION USING ERRCODE = '{NOT_STAFF}', MESSAGE = format("
        "'the login %s is not an active CarePlan user of this database', session_user); END IF; "
        "IF mode = 'login' THEN who := session_user; END IF; "
        "IF given IS NULL OR given = '' THEN "
        "IF mode <> 'check' THEN NEW := jsonb_populate_record(NEW, jsonb_build_object(col, who)); END IF; "
        f"ELSIF given <> who THEN RAISE EXCEPTION USING ERRCODE = '{NOT_THE_LOGIN}', MESSAGE = format("
        "'%s.%s: the server records the login %s as %L, not %L', TG_TABLE_NAME, col, session_user, who, given); "
        "END IF; RETURN NEW; END $$"
    )


def stamp_trigger_statement(schema: str, stamped: Stamped) -> str:
    s = _quote(schema)
    return (f"CREATE OR REPLACE TRIGGER {stamped.trigger} BEFORE INSERT OR UPDATE OF {stamped.column} "
            f"ON {s}.{stamped.table} FOR EACH ROW "
            f"EXECUTE FUNCTION {s}.{STAMP_FUNCTION}('{stamped.column}', '{stamped.mode}')")


def current_schema(conn: Connection) -> str:
    return str(conn.execute(text("SELECT current_schema()")).scalar_one())


def tables(conn: Connection) -> set[str]:
    return {r[0] for r in conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"))}


def install_stamps(conn: Connection) -> list[str]:
    """The function and a trigger for each listed column whose table exists; the triggers' names."""
    schema, have = current_schema(conn), tables(conn)
    conn.execute(text(stamp_function_statement(schema)))
    conn.execute(text(f"REVOKE ALL ON FUNCTION {_quote(schema)}.{STAMP_FUNCTION}() FROM PUBLIC"))
    done = []
    for stamped in STAMPED:
        if stamped.table in have:
            conn.execute(text(stamp_trigger_statement(schema, stamped)))
            done.append(stamped.trigger)
    return done


def is_initialised(conn: Connection) -> bool:
    """Has `admin init` run here (PostgreSQL only: the staff table exists)?"""
    if conn.dialect.name != "postgresql":
        return False
    return bool(conn.execute(text("SELECT to_regclass(quote_ident(current_schema()) || '.' || :t) IS NOT NULL"),
                             {"t": STAFF_TABLE}).scalar_one())


def server_name(conn: Connection) -> str | None:
    """The printed name the server stamps for this login, or None (SQLite, before init, or not staff)."""
    if not is_initialised(conn):
        return None
    row = conn.execute(text(f"SELECT printed_name FROM {STAFF_TABLE} WHERE login = session_user AND active")).first()
    return None if row is None else str(row[0])


def login_role(conn: Connection) -> str | None:
    """The staff role ('viewer', 'editor', 'admin') of this login, or None (SQLite, before init, not staff)."""
    if not is_initialised(conn):
        return None
    row = conn.execute(text(f"SELECT role FROM {STAFF_TABLE} WHERE login = session_user AND active")).first()
    return None if row is None else str(row[0])


def stamp_problems(conn: Connection) -> list[str]:
    """For `careplan check`: once initialised, every stamp trigger is present and switched on."""
    if not is_initialised(conn):
        return []
    have: dict[str, str] = dict(conn.execute(text(
        "SELECT t.tgname, t.tgenabled FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE NOT t.tgisinternal AND n.nspname = current_schema()"
    )).all())
    present = tables(conn)
    out = []
    for stamped in STAMPED:
        if stamped.table not in present:
            continue
        state = have.get(stamped.trigger)
        if state is None:
            out.append(f"Who-stamp missing: trigger {stamped.trigger} (run `careplan admin upgrade` as the owner)")
        elif state != "O":
            out.append(f"Who-stamp {stamped.trigger} on {stamped.table} is switched off")
    return out


def stamp_trigger_names() -> set[str]:
    return {s.trigger for s in STAMPED}
