"""The Label Studio ML-backend protocol over a workspace, as a FastAPI app.

``GET /health`` (and ``/``), ``POST /setup`` (answers the current ``model_version``),
``POST /predict`` (one prediction per task, see :mod:`~alwild.app.labelstudio.predictions`),
``POST /webhook`` (annotation events and ``START_TRAINING``: stores the labels and queues a
retrain), ``POST /train`` (older Label Studio: every annotated task at once) and
``GET /versions``. Retraining is alwild's own (:func:`~alwild.app.services.training.
train_project`, run by the app's background worker), with the project's strategy.
"""

from __future__ import annotations

import logging
import threading
import time
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from alwild.app.labelstudio.link import (
    delete_annotations,
    linked_project,
    project_slug,
    store_annotation,
    task_item,
)
from alwild.app.labelstudio.predictions import latest_ranking, task_predictions
from alwild.app.labelstudio.source import LabelStudioSource
from alwild.app.services.projects import check_strategy
from alwild.app.store.orm import Item, Project, QueryRound
from alwild.app.store.workspace import Workspace
from alwild.app.worker import RetrainWorker
from alwild.errors import UserError, UserValueError
from alwild.export.labelstudio import LabelConfig, parse_label_config

__all__ = ["create_backend_app", "BackendSettings", "TRAIN_EVENTS"]

TRAIN_EVENTS = ("ANNOTATION_CREATED", "ANNOTATIONS_CREATED", "ANNOTATION_UPDATED",
                "ANNOTATIONS_DELETED", "START_TRAINING")
TRAIN_TIMEOUT = 600.0

log = logging.getLogger("alwild.app.labelstudio")


@dataclass
class BackendSettings:
    """The strategy of new projects, how many tasks a round ranks, and the Label Studio
    server to read images from (``fixed_source``: given on the command line, so /setup
    does not replace it); ``publish``: after each retrain, have Label Studio fetch the new
    predictions and select their model version (needs the server's address and a token)."""

    strategy: str = "entropy"
    ranked: int = 5000
    source: LabelStudioSource = field(default_factory=LabelStudioSource)
    fixed_source: bool = False
    publish: bool = True

    def checked(self) -> BackendSettings:
        """These settings with the strategy's canonical name; UserValueError if unusable."""
        self.strategy = check_strategy(self.strategy)
        if self.ranked < 1:
            raise UserValueError(f"--ranked must be at least 1, got {self.ranked}")
        return self


class _Backend:
    def __init__(self, ws: Workspace, settings: BackendSettings) -> None:
        self.ws, self.settings = ws, settings
        self.worker = RetrainWorker(ws, on_trained=self._trained)
        self._ingest = threading.Lock()
        self._publish = threading.Condition()
        self._to_publish: list[int] = []
        self._publishing = False

    def _trained(self, project_id: int) -> None:
        """After a retrain: queue the publication (in its own thread, since Label Studio
        answers it by calling /predict, which may wait for the worker)."""
        if not (self.settings.publish and self.settings.source.can_publish):
            return
        with self._publish:
            if project_id not in self._to_publish:
                self._to_publish.append(project_id)
            if self._publishing:
                return
            self._publishing = True
        threading.Thread(target=self._publish_loop, name="alwild-ls-publish",
                         daemon=True).start()

    def _publish_loop(self) -> None:
        while True:
            with self._publish:
                if not self._to_publish:
                    self._publishing = False
                    self._publish.notify_all()
                    return
                project_id = self._to_publish.pop(0)
            try:
                self._publish_one(project_id)
            except Exception as err:  # Label Studio away or refusing: the next retrain retries
                with self._publish:
                    superseded = project_id in self._to_publish
                if not superseded:  # a newer round's publication would fix a stale version
                    log.warning("publishing the predictions of project %s failed: %s",
                                project_id, err, exc_info=not isinstance(err, UserError))

    def _publish_one(self, project_id: int) -> None:
        """Have Label Studio fetch the predictions, then select the version they carry (the
        latest round's once they are fetched; a round that ends meanwhile publishes again)."""
        src = self.settings.source
        with self.ws.reader() as db:
            ls_id = int(db.get(Project, project_id).slug.rsplit("-", 1)[1])
        src.fetch_predictions(ls_id)
        with self.ws.reader() as db:
            version = latest_ranking(db, db.get(Project, project_id)).model_version
        src.select_version(ls_id, version)

    def wait_published(self, timeout: float = 60.0) -> bool:
        """Block until no publication is queued or running (for tests)."""
        with self._publish:
            return self._publish.wait_for(lambda: not self._publishing, timeout)

    def project(self, db, ls_project, config: LabelConfig) -> Project:
        return linked_project(db, ls_project, config, self.settings.strategy,
                              self.settings.ranked)

    def learn_source(self, hostname: str | None, token: str | None) -> None:
        if self.settings.fixed_source:
            return
        src = self.settings.source
        src.url, src.token = hostname or src.url, token or src.token

    def retrain_now(self, project_id: int) -> None:
        """Queue a retrain and wait for it (and any retrain already queued)."""
        self.worker.request(project_id)
        deadline = time.monotonic() + TRAIN_TIMEOUT
        while self.worker.pending(project_id):
            if time.monotonic() > deadline:
                raise UserValueError("retraining took longer than "
                                     f"{TRAIN_TIMEOUT:.0f} s; try again later")
            time.sleep(0.05)
        with self.ws.session() as db:
            project = db.get(Project, project_id)
            if project.train_state == "failed":
                raise UserValueError(f"retraining failed: {project.train_error}")

    def tasks_to_items(self, ls_project, config: LabelConfig,
                       tasks: list[dict]) -> tuple[int, list[int], bool]:
        """(project id, item id per task, whether any label changed); the tasks'
        own annotations are stored too, so no label depends on a webhook arriving."""
        changed = False
        with self._ingest, self.ws.session() as db, db.begin():
            project = self.project(db, ls_project, config)
            ids = []
            for task in tasks:
                item = task_item(self.ws, db, project, config, task, self.settings.source)
                for annotation in task.get("annotations") or []:
                    changed |= store_annotation(db, project, config, item, annotation)
                ids.append(item.id)
            return project.id, ids, changed

    def needs_ranking(self, project_id: int, item_ids: list[int]) -> bool:
        """Whether some unlabelled item has no place in the latest round (or none exists)."""
        with self.ws.reader() as db:
            project = db.get(Project, project_id)
            ranking = latest_ranking(db, project)
            if not db.scalar(select(QueryRound.id).where(QueryRound.project_id == project_id)):
                return True
            open_ids = db.scalars(select(Item.id).where(Item.id.in_(item_ids),
                                                        Item.n_labels == 0)).all()
            ranked = set(ranking.ranks)
            return len(ranked) < self.settings.ranked and any(i not in ranked
                                                              for i in open_ids)

    def predict(self, body: dict) -> list[dict]:
        config = parse_label_config(body.get("label_config") or "")
        tasks = body.get("tasks") or []
        if not tasks:
            return []
        project_id, item_ids, changed = self.tasks_to_items(body.get("project"), config, tasks)
        if changed or self.needs_ranking(project_id, item_ids):
            self.retrain_now(project_id)
        with self.ws.reader() as db:
            project = db.get(Project, project_id)
            items = [db.get(Item, i) for i in item_ids]
            return task_predictions(self.ws, db, project, config, items,
                                    latest_ranking(db, project))

    def setup(self, body: dict) -> dict:
        config = parse_label_config(body.get("schema") or "")
        self.learn_source(body.get("hostname"), body.get("access_token"))
        with self.ws.session() as db, db.begin():
            project = self.project(db, body.get("project"), config)
            return {"model_version": latest_ranking(db, project).model_version}

    def _store_event(self, action: str, body: dict) -> int:
        ls_project = body.get("project") or {}
        config = parse_label_config(ls_project.get("label_config") or "")
        with self._ingest, self.ws.session() as db, db.begin():
            project = self.project(db, ls_project.get("id"), config)
            if action == "ANNOTATIONS_DELETED":
                delete_annotations(db, project, [a.get("id") for a in
                                                 body.get("annotations") or []])
                return project.id
            annotations, tasks = body.get("annotation"), body.get("task")
            if not isinstance(annotations, list):
                annotations, tasks = [annotations], [tasks]
            by_id = {t.get("id"): t for t in tasks if isinstance(t, dict)}
            for annotation in annotations:
                task = by_id.get(annotation.get("task")) or (tasks[0] if len(tasks) == 1
                                                              else None)
                if task is None:
                    raise UserValueError(f"annotation {annotation.get('id')} comes without "
                                         "its task")
                item = task_item(self.ws, db, project, config, task, self.settings.source)
                store_annotation(db, project, config, item, annotation)
            return project.id

    def _store_all(self, ls_project, config: LabelConfig, tasks: list[dict]) -> int:
        return self.tasks_to_items(ls_project, config, tasks)[0]

    def webhook(self, body: dict) -> tuple[int, dict]:
        action = body.get("action")
        if action not in TRAIN_EVENTS:
            return 200, {"status": "Unknown event"}
        if action == "START_TRAINING":
            ls_project = body.get("project") or {}
            config = parse_label_config(ls_project.get("label_config") or "")
            tasks = self.settings.source.tasks(ls_project.get("id"))
            project_id = self._store_all(ls_project.get("id"), config, tasks)
        else:
            project_id = self._store_event(action, body)
        self.worker.request(project_id)
        return 201, {"status": "ok", "result": {"retrain": "queued"}}

    def train(self, body: dict) -> dict:
        config = parse_label_config(body.get("label_config") or "")
        project_id = self._store_all(body.get("project"), config, body.get("annotations") or [])
        self.worker.request(project_id)
        return {"status": "ok"}

    def versions(self, ls_project: str | None) -> dict:
        if ls_project is None:
            return {"versions": []}
        with self.ws.reader() as db:
            project = db.scalar(select(Project).where(Project.slug == project_slug(ls_project)))
            if project is None:
                return {"versions": []}
            rounds = db.scalars(select(QueryRound.number).where(
                QueryRound.project_id == project.id).order_by(QueryRound.number)).all()
            return {"versions": [f"alwild-round{n}" for n in rounds]}


def create_backend_app(ws: Workspace, settings: BackendSettings | None = None) -> FastAPI:
    """The ML backend over workspace ``ws`` (its retrain worker runs while the app does).

    >>> # uvicorn.run(create_backend_app(open_workspace("work", create=True)), port=9090)
    """
    settings = (settings or BackendSettings()).checked()
    backend = _Backend(ws, settings)

    @asynccontextmanager
    async def lifespan(_app):
        backend.worker.start()
        yield
        backend.worker.stop()

    app = FastAPI(title="alwild Label Studio ML backend", lifespan=lifespan)
    app.state.backend = backend

    @app.exception_handler(UserError)
    async def user_error(_request: Request, err: UserError):
        return JSONResponse({"status": "error", "error": str(err)}, status_code=400)

    async def body_of(request: Request) -> dict:
        try:
            body = await request.json()
        except ValueError:
            raise UserValueError("the request body must be JSON") from None
        if not isinstance(body, dict):
            raise UserValueError("the request body must be a JSON object")
        return body

    @app.get("/")
    @app.get("/health")
    def health() -> dict:
        return {"status": "UP", "model_class": "alwild", "strategy": settings.strategy}

    @app.post("/setup")
    async def setup(request: Request) -> dict:
        body = await body_of(request)
        return await run_in_threadpool(backend.setup, body)

    @app.post("/predict")
    async def predict(request: Request) -> dict:
        body = await body_of(request)
        return {"results": await run_in_threadpool(backend.predict, body)}

    @app.post("/webhook")
    async def webhook(request: Request):
        status, answer = await run_in_threadpool(backend.webhook, await body_of(request))
        return JSONResponse(answer, status_code=status)

    @app.post("/train")
    async def train(request: Request) -> dict:
        return await run_in_threadpool(backend.train, await body_of(request))

    @app.get("/versions")
    def versions(project: str | None = None) -> dict:
        return backend.versions(project)

    return app

