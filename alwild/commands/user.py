"""``alwild user add|passwd|reset-admin|deactivate|activate DIR ...``: accounts from the
command line, for when no admin can log in (a lost one-time password) or for scripts.

A new or reset password is generated and printed once; ``passwd`` asks for the new one
(twice on a terminal; one line on standard input otherwise). A password change, a reset and
a deactivation end the account's sessions.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from alwild.errors import UserValueError


def register(sub) -> None:
    p = sub.add_parser("user", help="add users, set passwords, reset the admin password")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = actions.add_parser("add", help="add an account; prints its generated password once")
    add.add_argument("dir", help="workspace folder")
    add.add_argument("username")
    add.add_argument("--role", default="annotator", choices=["annotator", "admin"])
    add.add_argument("--project", default="", help="project slug the annotator works on")
    passwd = actions.add_parser("passwd", help="set a user's password (ends their sessions)")
    passwd.add_argument("dir", help="workspace folder")
    passwd.add_argument("username")
    reset = actions.add_parser("reset-admin",
                               help="new one-time password for an admin (ends their sessions)")
    reset.add_argument("dir", help="workspace folder")
    reset.add_argument("--username", help="which admin (default: the first one)")
    for name, what in (("deactivate", "deactivate an account (no login, no API tokens)"),
                       ("activate", "reactivate a deactivated account")):
        one = actions.add_parser(name, help=what)
        one.add_argument("dir", help="workspace folder")
        one.add_argument("username")
    p.set_defaults(func=run)


def _new_password(username: str) -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass(f"new password for {username}: ")
    if getpass.getpass("again: ") != first:
        raise UserValueError("the two passwords differ; nothing was changed")
    return first


def run(args: argparse.Namespace) -> int:
    from alwild.app.services import members
    from alwild.app.services.projects import NotFound
    from alwild.app.store.orm import User
    from alwild.app.store.workspace import open_workspace

    ws = open_workspace(args.dir)
    command_line = User(username="(command line)", role="admin")  # not stored: acts as admin
    try:
        with ws.session() as db, db.begin():
            if args.action == "add":
                user, password = members.add_user(db, command_line, args.username, args.role,
                                                  args.project)
                print(f"added {user.role} {user.username!r} with the password {password} "
                      "(shown only now)")
            elif args.action == "passwd":
                user = members.person(db, args.username)
                ended = members.set_password(db, user, _new_password(user.username))
                print(f"changed the password of {user.username!r}; ended {ended} session(s)")
            elif args.action == "reset-admin":
                user, password = members.reset_admin(db, args.username)
                print(f"admin {user.username!r} now logs in with the one-time password "
                      f"{password} (shown only now); all their sessions ended")
            else:
                user = members.set_active(db, command_line, args.username,
                                          args.action == "activate")
                print(f"{user.username!r} is {'active' if user.active else 'deactivated'}")
    except NotFound as err:
        raise UserValueError(f"{err}: check the name (the Admin page lists them)") from None
    finally:
        ws.dispose()
    return 0
