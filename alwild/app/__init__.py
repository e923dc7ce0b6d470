"""The production labelling loop: project store, leased queue, background retraining,
REST API and web pages (FastAPI), behind authentication.

Three layers: :mod:`alwild.app.store` (tables, workspace, model files), below
:mod:`alwild.app.services` (one module per action), below :mod:`alwild.app.web` (API,
pages, server); :mod:`alwild.app.worker` runs retraining in the background.

Start it with ``alwild serve DIR`` (or ``alwild serve-demo``); embed it with
:func:`alwild.app.web.server.create_app`. The modules' old flat paths
(``alwild.app.models``, ``alwild.app.server``, ...) still import, as the moved modules.
"""

from alwild.moved import keep_old_paths

keep_old_paths({
    "alwild.app.api": "alwild.app.web.api",
    "alwild.app.auth": "alwild.app.services.auth",
    "alwild.app.chart": "alwild.app.web.chart",
    "alwild.app.demo": "alwild.app.services.demo",
    "alwild.app.deps": "alwild.app.web.deps",
    "alwild.app.export": "alwild.app.services.export",
    "alwild.app.features": "alwild.app.services.features",
    "alwild.app.ingest": "alwild.app.services.ingest",
    "alwild.app.intake": "alwild.app.services.intake",
    "alwild.app.labels": "alwild.app.services.labels",
    "alwild.app.leases": "alwild.app.services.leases",
    "alwild.app.media": "alwild.app.services.media",
    "alwild.app.models": "alwild.app.store.orm",
    "alwild.app.pages": "alwild.app.web.pages",
    "alwild.app.projects": "alwild.app.services.projects",
    "alwild.app.registry": "alwild.app.store.model_files",
    "alwild.app.schemas": "alwild.app.web.schemas",
    "alwild.app.server": "alwild.app.web.server",
    "alwild.app.service": "alwild.app.web.launch",
    "alwild.app.training": "alwild.app.services.training",
    "alwild.app.views": "alwild.app.services.summaries",
    "alwild.app.workspace": "alwild.app.store.workspace",
})
