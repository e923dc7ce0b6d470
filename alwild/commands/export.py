"""``alwild export DIR --format ...``: write a project's labels out."""

from __future__ import annotations

import argparse
from pathlib import Path

from alwild.commands._workspace import add_project_arguments, open_project
from alwild.errors import UserValueError
from alwild.export.formats import FORMATS, get_format


def register(sub) -> None:
    names = ", ".join(FORMATS)
    p = sub.add_parser("export", help=f"export labels ({names})")
    add_project_arguments(p)
    p.add_argument("--format", required=True,
                   help=f"{names} (the box formats need a detection project)")
    p.add_argument("--out", help="output file or folder (default: DIR/exports/SLUG-FORMAT...); "
                                 "refused if it exists, unless --force")
    p.add_argument("--force", action="store_true",
                   help="overwrite an existing --out file (or the files in an --out folder)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from alwild.app.services.export import export

    suffix = get_format(args.format).suffix
    if args.out and not Path(args.out).absolute().parent.is_dir():
        raise UserValueError(f"folder {Path(args.out).absolute().parent} does not exist: "
                             "create it first or choose another --out")
    ws, project = open_project(args)
    with ws.session() as db:
        project = db.merge(project)
        out = args.out or ws.root / "exports" / f"{project.slug}-{args.format}{suffix}"
        try:
            path = export(db, project, args.format, out, ws.media_root, args.force)
        except OSError as err:
            raise UserValueError(f"cannot write {err.filename or out} ({err.strerror}): give "
                                 "--out a path in a folder you may write to") from None
    print(f"wrote {path}")
    return 0
