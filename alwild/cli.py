"""The ``alwild`` command. Each module in ``alwild.commands`` adds one subcommand.

A subcommand module defines ``register(subparsers)``, which adds its parser and sets
``func`` (called with the parsed arguments; its return value is the exit code).
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

import alwild
import alwild.commands
from alwild.errors import UserError

__all__ = ["main", "build_parser", "UserError"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="alwild", description="Active learning in the wild: label less, learn more."
    )
    parser.add_argument("--version", action="version", version=f"alwild {alwild.__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(alwild.commands.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"alwild.commands.{info.name}")
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except (UserError, FileNotFoundError) as err:
        print(f"alwild {args.command}: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
