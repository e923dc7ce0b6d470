"""Model files: one the app did not write (or that leaves the models folder) is not loaded."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from alwild.app.services.training import train_project
from alwild.app.store.model_files import UnsafeModelFile, load_model
from alwild.app.store.orm import ModelVersion
from tests.app.conftest import make_setup


def test_a_model_file_that_the_app_did_not_write_is_not_loaded(ws, tmp_path):
    s = make_setup(ws, tmp_path, n=60, seed_labels=30)
    train_project(ws, s.project_id)
    with ws.session() as db:
        mv = db.scalar(select(ModelVersion))
    path = ws.models_root / mv.path
    path.write_bytes(path.read_bytes() + b"tampered")
    with pytest.raises(UnsafeModelFile, match="signature"):
        load_model(ws.models_root, mv.path, mv.digest, ws.secret_key)
    with pytest.raises(UnsafeModelFile, match="leaves"):
        load_model(ws.models_root, "../secret.key", mv.digest, ws.secret_key)
