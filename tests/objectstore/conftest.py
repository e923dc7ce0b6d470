"""A real S3-compatible server (moto's server mode) on 127.0.0.1 for the object-store
tests: one per test session, a fresh bucket per test, credentials in the environment (as
a user's would be) and the endpoint given the way a user of MinIO would give it."""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass

import pytest

CREDENTIALS = {"AWS_ACCESS_KEY_ID": "alwild-test", "AWS_SECRET_ACCESS_KEY": "alwild-secret",
               "AWS_DEFAULT_REGION": "us-east-1"}


@dataclass
class Bucket:
    endpoint: str
    name: str
    fs: object

    @property
    def options(self) -> dict:
        """The storage options that point s3fs at this server."""
        return {"endpoint_url": self.endpoint}

    @property
    def options_json(self) -> str:
        return json.dumps(self.options)

    def url(self, key: str) -> str:
        return f"s3://{self.name}/{key}"

    def put(self, key: str, data: bytes) -> None:
        self.fs.pipe(f"{self.name}/{key}", data)


@pytest.fixture(scope="session")
def s3_endpoint():
    server_mod = pytest.importorskip("moto.server", reason="the object-store tests need "
                                     "moto[server] (pip install 'alwild[test]')")
    pytest.importorskip("s3fs", reason="the object-store tests need s3fs "
                        "(pip install 'alwild[objectstore]')")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request else
    server = server_mod.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def bucket(s3_endpoint, monkeypatch) -> Bucket:
    import s3fs

    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    fs = s3fs.S3FileSystem(endpoint_url=s3_endpoint, skip_instance_cache=True)
    name = f"alwild-{uuid.uuid4().hex[:12]}"
    fs.mkdir(name)
    return Bucket(s3_endpoint, name, fs)
