"""python -m assistant users add | remove | list | token | revoke-tokens, audit export, feedback export.

Bad input to any of them is one line on stderr ("error: ...") and exit code 2: argparse's own complaints
too (OneLineParser), without the usage block. A password is read from standard input and never printed or
logged; a token is printed once, to standard output, and nowhere else.
"""
from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn, TextIO

from ..settings import Settings
from .audit import ASK_COLUMNS, FEEDBACK_COLUMNS, FORMATS, AuditLog, export_rows, parse_day
from .users import UsersError, UsersFile

EXIT_BAD_INPUT = 2


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a mistake is one line ("error: ...") and exit code 2, not a usage block."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_BAD_INPUT, f"error: {self.prog}: {message}\n")


def add_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    """The users, audit and feedback commands, on the CLI's subparsers."""
    users_file = argparse.ArgumentParser(add_help=False)
    users_file.add_argument("--users", type=Path, help="the users file (default: users.json beside the code, "
                                                       "or ASSISTANT_USERS_FILE)")
    users_file.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    users = sub.add_parser("users", help="users, their groups and API tokens (for `serve` with sign-in)")
    users_sub = users.add_subparsers(dest="action", required=True, metavar="ACTION",
                                     parser_class=OneLineParser)
    add = users_sub.add_parser("add", parents=[users_file], help="add a user; the password is read from stdin")
    add.add_argument("name")
    add.add_argument("--group", action="append", default=[], required=True,
                     help="a group: the user sees its collection (repeatable)")
    remove = users_sub.add_parser("remove", parents=[users_file], help="remove a user (and their tokens)")
    remove.add_argument("name")
    users_sub.add_parser("list", parents=[users_file], help="the users, their groups and how many tokens")
    token = users_sub.add_parser("token", parents=[users_file], help="print a new API token (shown only once)")
    token.add_argument("name")
    revoke = users_sub.add_parser("revoke-tokens", parents=[users_file], help="revoke all of a user's API tokens")
    revoke.add_argument("name")
    users.error = OneLineParser.error.__get__(users)  # type: ignore[method-assign]

    for name, what in (("audit", "who asked what, when, with which filters and cited documents"),
                       ("feedback", "the thumbs up and down on answers, with comments")):
        command = sub.add_parser(name, help=f"export {what}")
        actions = command.add_subparsers(dest="action", required=True, metavar="ACTION", parser_class=OneLineParser)
        export = actions.add_parser("export", help=f"write {what} as JSON Lines or CSV")
        export.add_argument("--since", help="only rows from this day on (YYYY-MM-DD, UTC)")
        export.add_argument("--format", choices=FORMATS, help="jsonl or csv (default: from --out's suffix, else jsonl)")
        export.add_argument("--out", type=Path, help="the file to write (default: standard output)")
        export.add_argument("--audit-db", type=Path, help="the SQLite file (default: audit.sqlite3 beside the code, "
                                                          "or ASSISTANT_AUDIT_DB)")
        command.error = OneLineParser.error.__get__(command)  # type: ignore[method-assign]


def run_users(args: argparse.Namespace, settings: Settings) -> int:
    users = UsersFile(args.users or settings.users_file)
    if args.action == "add":
        user = users.add(args.name, args.group, read_password(sys.stdin))
        print(f"gebruiker {user.name} toegevoegd (groepen: {', '.join(user.groups)}) in {users.path}")
    elif args.action == "remove":
        users.remove(args.name)
        print(f"gebruiker {args.name} verwijderd uit {users.path}")
    elif args.action == "list":
        for user in sorted(users.users().values(), key=lambda u: u.name):
            print(f"{user.name}\t{','.join(user.groups)}\t{len(user.token_hashes)} tokens")
    elif args.action == "token":
        token = users.new_token(args.name)
        print(token)
        print(f"(het token van {args.name}: bewaar het nu, het wordt niet meer getoond)", file=sys.stderr)
    elif args.action == "revoke-tokens":
        count = users.revoke_tokens(args.name)
        print(f"{count} tokens van {args.name} ingetrokken")
    return 0


def read_password(stdin: TextIO, ask: Callable[[str], str] = getpass.getpass) -> str:
    """From a terminal: asked twice, without echo. Otherwise: the first line of standard input."""
    if stdin.isatty():
        password = ask("Wachtwoord: ")
        if ask("Nog eens: ") != password:
            raise UsersError("de twee wachtwoorden verschillen")
    else:
        password = stdin.readline().rstrip("\r\n")
    if not password:
        raise UsersError("geen wachtwoord: geef het op standaardinvoer (bv. een regel uit een wachtwoordbeheerder)")
    return password


def run_export(args: argparse.Namespace, settings: Settings) -> int:
    db = args.audit_db or settings.audit_db
    if not Path(db).exists():
        raise UsersError(f"geen auditlog in {db}: `serve` maakt het bij de eerste vraag")
    since = parse_day(args.since) if args.since else None
    fmt = args.format or ("csv" if args.out and args.out.suffix.lower() == ".csv" else "jsonl")
    table, columns = ("asks", ASK_COLUMNS) if args.command == "audit" else ("feedback", FEEDBACK_COLUMNS)
    log = AuditLog(db, settings.audit_retention_days)
    try:
        if args.out:
            with open(args.out, "w", encoding="utf-8", newline="") as out:
                count = export_rows(log.rows(table, since), columns, fmt, out)
            print(f"{count} rijen geschreven naar {args.out}", file=sys.stderr)
        else:
            export_rows(log.rows(table, since), columns, fmt, sys.stdout)
    finally:
        log.close()
    return 0


COMMANDS = {"users": run_users, "audit": run_export, "feedback": run_export}
