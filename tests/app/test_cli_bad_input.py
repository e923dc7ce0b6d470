"""Bad input on the command line: one line naming what was wrong and what to do, a
non-zero exit, and the workspace exactly as it was (a re-run with the right value works)."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys

import pytest
from sqlalchemy import func, select

from alwild.app.store.orm import Item
from alwild.app.store.workspace import open_workspace
from alwild.cli import main
from tests.app.conftest import DATA, titanic_csv
from tests.app.server_proc import ROOT

FRAMES = DATA / "insulators" / "frames" / "images"


def _fails(capsys, argv: list[str], *words: str) -> str:
    """Run ``alwild ARGV``: exit code 2 and one line on stderr holding ``words``."""
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"alwild {argv[0]}: error: "), err
    for word in words:
        assert word in err, err
    return err


def _tree(path) -> list[str]:
    return sorted(str(p.relative_to(path)) for p in path.rglob("*")) if path.exists() else []


def _init(where, *extra: str) -> list[str]:
    return ["init", str(where), "--task", "classify", "--labels", "a,b", *extra]


@pytest.mark.parametrize("url, words", [
    ("postgress://me:pw@localhost/labels", ("postgress://me:***@", "sqlite:///PATH")),
    ("mysql://me:pw@localhost/labels", ("mysql://", "postgresql://")),
    ("sqlite:////no/such/folder/x.db", ("/no/such/folder/x.db", "folder that exists")),
    ("postgresql://me:pw@127.0.0.1:1/labels", ("cannot open database", "server runs")),
])
def test_init_with_a_bad_database_url_leaves_nothing_and_a_rerun_works(tmp_path, capsys, url,
                                                                        words):
    err = _fails(capsys, _init(tmp_path / "ws", "--db", url), *words)
    assert "pw@" not in err  # the password is never echoed
    assert not (tmp_path / "ws").exists()
    assert main(_init(tmp_path / "ws")) == 0
    assert "created project 'ws'" in capsys.readouterr().out


def test_init_on_postgresql_after_a_mistyped_url(tmp_path, capsys, pg_database):
    url = pg_database
    _fails(capsys, _init(tmp_path / "ws", "--db", url.replace("postgresql", "postgress", 1)),
           "postgress://")
    assert not (tmp_path / "ws").exists()
    assert main(_init(tmp_path / "ws", "--db", url)) == 0
    ws = open_workspace(tmp_path / "ws")
    assert ws.is_postgres and not (tmp_path / "ws" / "project.db").exists()
    ws.dispose()


def test_a_failed_init_in_an_existing_folder_removes_only_what_it_made(tmp_path, capsys):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep me")
    _fails(capsys, _init(folder, "--db", "mysql://x@h/db"), "mysql://")
    _fails(capsys, _init(folder, "--strategy", "vote_entropy"), "committee")
    assert _tree(folder) == ["notes.txt"]
    assert main(_init(folder)) == 0
    before = _tree(folder)
    _fails(capsys, _init(folder), "exists already")  # a second project of the same name
    assert _tree(folder) == before


@pytest.mark.parametrize("flag, value", [("--budget", "-5"), ("--batch", "0"),
                                         ("--retrain-every", "0"), ("--overlap", "0")])
def test_init_refuses_negative_or_zero_settings(tmp_path, capsys, flag, value):
    _fails(capsys, _init(tmp_path / "ws", flag, value), flag, "at least")
    assert not (tmp_path / "ws").exists()


@pytest.fixture
def rows_ws(tmp_path, capsys):
    ws_dir = tmp_path / "ws"
    assert main(_init(ws_dir)) == 0
    assert main(["ingest", str(ws_dir), str(titanic_csv(tmp_path, 30)),
                 "--label-column", "Survived"]) == 2  # labels died/survived are not a,b
    capsys.readouterr()
    return ws_dir


def _count_items(ws_dir) -> int:
    ws = open_workspace(ws_dir)
    with ws.session() as db:
        n = db.scalar(select(func.count(Item.id)))
    ws.dispose()
    return n


def test_a_failed_image_ingest_leaves_no_media_file(tmp_path, capsys):
    ws_dir, photos = tmp_path / "ws", tmp_path / "photos"
    photos.mkdir()
    for src in sorted(FRAMES.iterdir())[:3]:
        shutil.copy(src, photos / src.name)
    (photos / "zz-broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really an image")
    assert main(["init", str(ws_dir), "--task", "detect", "--labels", "insulator"]) == 0
    _fails(capsys, ["ingest", str(ws_dir), str(photos)], "zz-broken.png")
    assert _tree(ws_dir / "media") == [] and _count_items(ws_dir) == 0
    (photos / "zz-broken.png").unlink()
    assert main(["ingest", str(ws_dir), str(photos)]) == 0
    assert "3 items added" in capsys.readouterr().out
    assert len([p for p in (ws_dir / "media").rglob("*") if p.is_file()]) == 3


def test_table_rows_and_images_do_not_mix(tmp_path, capsys, rows_ws):
    table = titanic_csv(tmp_path, 30)
    detect = tmp_path / "frames"
    assert main(["init", str(detect), "--task", "detect", "--labels", "insulator"]) == 0
    _fails(capsys, ["ingest", str(detect), str(table)], "detect project", "images")
    assert _count_items(detect) == 0
    assert main(["ingest", str(rows_ws), str(table)]) == 0
    capsys.readouterr()
    _fails(capsys, ["ingest", str(rows_ws), str(FRAMES)], "holds table rows", ".csv")
    assert _tree(rows_ws / "media") == [] and _count_items(rows_ws) == 30
    crops = tmp_path / "crops"
    assert main(["init", str(crops), "--task", "classify", "--labels", "ok,broken"]) == 0
    assert main(["ingest", str(crops), str(FRAMES)]) == 0
    capsys.readouterr()
    _fails(capsys, ["ingest", str(crops), str(table)], "holds images", "not table rows")
    assert _count_items(crops) == 30


def test_export_onto_an_existing_file_or_folder_is_refused_unless_forced(tmp_path, capsys,
                                                                         rows_ws):
    assert main(["ingest", str(rows_ws), str(titanic_csv(tmp_path, 30))]) == 0
    taken = tmp_path / "taken.csv"
    taken.write_text("precious\n")
    _fails(capsys, ["export", str(rows_ws), "--format", "csv", "--out", str(taken)],
           "exists already", "--force")
    assert taken.read_text() == "precious\n"
    folder = tmp_path / "folder"
    folder.mkdir()
    for force in ([], ["--force"]):
        _fails(capsys, ["export", str(rows_ws), "--format", "csv", "--out", str(folder),
                        *force], "is a folder", "writes a file")
    assert main(["export", str(rows_ws), "--format", "csv", "--out", str(taken),
                 "--force"]) == 0
    assert taken.read_text().startswith("item,file,")
    _fails(capsys, ["export", str(rows_ws), "--format", "csv", "--out",
                    "/proc/x.csv"], "cannot write")


def _serve(*args: str) -> subprocess.CompletedProcess:
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-m", "alwild", *args], capture_output=True,
                          text=True, timeout=60, env=env)


def test_serve_on_a_bad_or_busy_port_says_so_in_one_line(rows_ws):
    bad = _serve("serve", str(rows_ws), "--port", "99999")
    assert bad.returncode == 2 and bad.stdout == ""
    assert bad.stderr == ("alwild serve: error: --port 99999 is not a port: give a number "
                          "from 1 to 65535 (default 8765)\n")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = str(busy.getsockname()[1])
        taken = _serve("serve", str(rows_ws), "--port", port)
    assert taken.returncode == 2 and "serving" not in taken.stdout
    assert taken.stderr.count("\n") == 1 and f"port {port} on 127.0.0.1 is in use" in taken.stderr
    host = _serve("serve", str(rows_ws), "--host", "no-such-host.invalid")
    assert host.returncode == 2 and "--host 'no-such-host.invalid'" in host.stderr


def test_serve_demo_and_make_demo_take_a_host_and_a_port():
    helped = _serve("serve-demo", "--help").stdout
    assert "--host HOST" in helped and "address to bind" in helped
    assert "--port PORT" in helped and "port to listen on" in helped
    dry = subprocess.run(["make", "-n", "demo", "HOST=0.0.0.0", "PORT=9001"], cwd=ROOT,
                         capture_output=True, text=True, timeout=60).stdout
    assert "alwild serve-demo --host 0.0.0.0 --port 9001" in dry
    plain = subprocess.run(["make", "-n", "demo"], cwd=ROOT, capture_output=True, text=True,
                           timeout=60, env={"PATH": "/usr/bin:/bin", "HOST": "myname"}).stdout
    assert "alwild serve-demo --host 127.0.0.1 --port 8765" in plain


def test_init_on_a_file_that_is_no_database_leaves_its_mode_alone(tmp_path, capsys):
    notes = tmp_path / "f2.txt"
    notes.write_text("hi\n")
    notes.chmod(0o644)
    _fails(capsys, _init(tmp_path / "ws", "--db", f"sqlite:///{notes}"), "file is not a database")
    assert notes.stat().st_mode & 0o777 == 0o644 and notes.read_text() == "hi\n"
    assert _tree(tmp_path) == ["f2.txt"]


def test_a_relative_sqlite_url_is_stored_absolute_and_opens_from_anywhere(tmp_path, capsys,
                                                                          monkeypatch):
    (tmp_path / "here").mkdir()
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "here")
    assert main(_init(tmp_path / "ws", "--db", "sqlite:///rel.db")) == 0
    stored = json.loads((tmp_path / "ws" / "alwild.json").read_text())["db"]
    assert stored == f"sqlite:///{tmp_path / 'here' / 'rel.db'}"
    monkeypatch.chdir(tmp_path / "elsewhere")
    assert main(["export", str(tmp_path / "ws"), "--format", "csv", "--out", "x.csv"]) == 0
    assert _tree(tmp_path / "elsewhere") == ["x.csv"]


def test_a_missing_configured_database_is_reported_not_made_anew(tmp_path, capsys,
                                                                 monkeypatch):
    assert main(_init(tmp_path / "ws")) == 0
    settings = tmp_path / "ws" / "alwild.json"
    (tmp_path / "ws" / "project.db").unlink()
    err = _fails(capsys, ["train", str(tmp_path / "ws")], "project.db does not exist",
                 "restore it", str(settings))
    assert "relative" not in err and not (tmp_path / "ws" / "project.db").exists()
    settings.write_text(json.dumps({"db": "sqlite:///rel.db"}))  # as older versions stored it
    (tmp_path / "cwd").mkdir()
    monkeypatch.chdir(tmp_path / "cwd")
    _fails(capsys, ["train", str(tmp_path / "ws")], "rel.db does not exist", "relative")
    _fails(capsys, ["worker", "--workspace", str(tmp_path / "ws"), "--once"], "rel.db",
           "does not exist")
    _fails(capsys, ["worker", "--workspace", str(tmp_path / "ws"), "--db", "sqlite:///a.db",
                    "--once"], "a.db does not exist", "give --db")
    assert _tree(tmp_path / "cwd") == []


def test_export_into_a_missing_folder_is_refused_and_makes_nothing(tmp_path, capsys, rows_ws):
    assert main(["ingest", str(rows_ws), str(titanic_csv(tmp_path, 30))]) == 0
    capsys.readouterr()
    out = tmp_path / "nonexist" / "x.csv"
    _fails(capsys, ["export", str(rows_ws), "--format", "csv", "--out", str(out)],
           f"folder {out.parent} does not exist", "create it first or choose another --out")
    assert not out.parent.exists()


def test_a_worker_with_a_mistyped_url_says_what_to_give_once(rows_ws, capsys):
    err = _fails(capsys, ["worker", "--workspace", str(rows_ws), "--db", "postgress://x@y/z",
                          "--once"], "postgress://x@y/z")
    assert err.count("sqlite:///PATH") == 1


def test_serve_demo_refuses_a_bad_port_before_building_anything(tmp_path):
    bad = _serve("serve-demo", "--dir", str(tmp_path / "demo"), "--port", "99999")
    assert bad.returncode == 2 and bad.stdout == ""
    assert bad.stderr == ("alwild serve-demo: error: --port 99999 is not a port: give a "
                          "number from 1 to 65535 (default 8765)\n")
    host = _serve("serve-demo", "--dir", str(tmp_path / "demo"), "--host", "no-such.invalid")
    assert host.returncode == 2 and "--host 'no-such.invalid'" in host.stderr
    assert not (tmp_path / "demo").exists()
