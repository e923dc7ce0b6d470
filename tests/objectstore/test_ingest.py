"""``alwild ingest`` of image frames and of a table from a bucket: the items of the local
files, and a clear message for a prefix that holds nothing."""

from pathlib import Path

from sqlalchemy import select

from alwild.app.store.orm import Item
from alwild.app.store.workspace import open_workspace
from alwild.cli import main

FRAMES = Path(__file__).resolve().parents[2] / "alwild" / "data" / "insulators" / "frames"


def _hashes(ws_dir) -> list[tuple[str, str]]:
    ws = open_workspace(ws_dir)
    with ws.session() as db:
        found = sorted(db.execute(select(Item.content_hash, Item.media_type)).all())
    ws.dispose()
    return found


def test_frames_from_a_bucket_are_the_items_of_the_local_frames(tmp_path, bucket, capsys):
    for path in sorted((FRAMES / "images").iterdir()):
        bucket.put(f"frames/{path.name}", path.read_bytes())
    bucket.put("frames/readme.txt", b"skipped")
    for name in ("local", "remote"):
        assert main(["init", str(tmp_path / name), "--task", "detect",
                     "--labels", "insulator"]) == 0
    assert main(["ingest", str(tmp_path / "local"), str(FRAMES / "images")]) == 0
    remote = ["ingest", str(tmp_path / "remote"), bucket.url("frames/"),
              "--storage-options", bucket.options_json]
    assert main(remote) == 0
    assert "30 items added" in capsys.readouterr().out
    assert _hashes(tmp_path / "remote") == _hashes(tmp_path / "local")
    assert len(list((tmp_path / "remote" / "media").rglob("*.jpg"))) == 30
    assert main(remote) == 0
    assert "0 items added, 30 duplicates skipped" in capsys.readouterr().out


def test_a_table_from_a_bucket_and_a_wrong_prefix(tmp_path, bucket, capsys):
    bucket.put("tables/rows.csv", b"x,y,label\n1,a,p\n2,b,q\n3,a,p\n")
    assert main(["init", str(tmp_path / "w"), "--task", "classify", "--labels", "p,q"]) == 0
    assert main(["ingest", str(tmp_path / "w"), bucket.url("tables/rows.csv"),
                 "--label-column", "label", "--storage-options", bucket.options_json]) == 0
    assert "3 items added, 0 duplicates skipped, 3 with imported labels" in \
        capsys.readouterr().out
    assert main(["ingest", str(tmp_path / "w"), bucket.url("nothing/here.csv"),
                 "--storage-options", bucket.options_json]) == 2
    err = capsys.readouterr().err
    assert "does not exist" in err and "--storage-options" in err
    assert main(["ingest", str(tmp_path / "w"), bucket.url("tables/rows.csv"),
                 "--storage-options", "{endpoint"]) == 2
    assert "--storage-options is not valid JSON" in capsys.readouterr().err
