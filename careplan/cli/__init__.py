"""The `careplan` command: with no subcommand it opens the app; subcommands script the clinic's work.

Exit status: 0 success, 1 a check found problems, 2 bad input, a database that cannot be used, or
an unexpected error (one line on stderr; `--debug` adds the traceback).
Documented --json output is a contract: keys are only ever added, never renamed or removed.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import traceback
from collections.abc import Iterator, Sequence

from careplan import __version__
from careplan.cli import (
    admin_commands,
    common,
    core_commands,
    course_commands,
    exchange_commands,
    fhir_commands,
    patient_commands,
    pdf_commands,
    prompt_commands,
    settings_commands,
    signature_commands,
    template_admin,
    template_commands,
    worklist_commands,
)

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2

DEBUG_HELP = "on an unexpected error, print the full traceback (it may show patient data)"

# Each module adds its subcommands; a subcommand's handler takes the parsed args and returns an exit status.
COMMAND_MODULES = [core_commands, exchange_commands, pdf_commands, patient_commands, worklist_commands, settings_commands, course_commands,
                   template_commands, prompt_commands, signature_commands, template_admin, fhir_commands,
                   admin_commands]


def build_parser() -> argparse.ArgumentParser:
    parser = common.Parser(
        prog="careplan",
        description="CarePlan: care plans for ALS/MND clinics. With no command, opens the app.",
    )
    parser.add_argument("--version", action="version", version=f"CarePlan {__version__}")
    common.add_db_argument(parser)
    parser.add_argument("--exit-after-startup", action="store_true",
                        help="open the main window, wait for its first paint, print startup_s=<seconds> and exit")
    parser.add_argument("--debug", action="store_true", help=DEBUG_HELP)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for mod in COMMAND_MODULES:
        mod.register(sub)
    # Also after the command (`careplan check --debug`); an alias shares its command's parser: once each.
    for command in {id(c): c for c in sub.choices.values()}.values():
        command.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=DEBUG_HELP)
    return parser


def _unwind(signum: int, _frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


@contextlib.contextmanager
def _unwinding_on_termination() -> Iterator[None]:
    """A killed command cannot clean up; a terminated one (SIGTERM, a closed terminal) unwinds like
    Ctrl+C, so the temporary copies it made (patient data) are removed on the way out."""
    previous = {}
    for name in ("SIGTERM", "SIGHUP"):
        with contextlib.suppress(AttributeError, ValueError):  # no SIGHUP on Windows; not the main thread
            sig = getattr(signal, name)
            previous[sig] = signal.signal(sig, _unwind)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def main(argv: Sequence[str] | None = None) -> int:
    os.umask(0o077)  # database, WAL files, backups and exports hold patient data
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        common.refuse_password_in_db(args)  # before anything connects
    except common.UserFacingError as e:
        common.fail(str(e))
        return EXIT_USAGE
    common.sweep_leftovers(args)
    if args.command is None:
        from careplan.cli.gui import open_app

        return open_app(args)
    with _unwinding_on_termination():
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    try:
        return int(args.handler(args))
    except common.UserFacingError as e:
        common.fail(str(e))
        return EXIT_USAGE
    except BrokenPipeError:  # e.g. `careplan patients | head`
        return EXIT_OK
    except KeyboardInterrupt:
        common.fail("interrupted.")
        return 130
    except Exception as e:  # a bug or a broken database: one line, the traceback only when asked
        if args.debug:
            traceback.print_exc()
        common.fail(common.describe_database_problem(e, args) or common.describe_unexpected(e))
        return EXIT_USAGE
    finally:
        common.close_databases()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
