"""The production labelling loop: project store, leased queue, background retraining,
REST API and web pages (FastAPI), behind authentication.

Three layers: :mod:`alwild.app.store` (tables, workspace, model files), below
:mod:`alwild.app.services` (one module per action), below :mod:`alwild.app.web` (API,
pages, server); :mod:`alwild.app.worker` runs retraining in the background.

Start it with ``alwild serve DIR`` (or ``alwild serve-demo``); embed it with
:func:`alwild.app.web.server.create_app`. The modules' old flat paths
(``alwild.app.models``, ``alwild.app.server``, ...) still import, as the moved modules.
"""
