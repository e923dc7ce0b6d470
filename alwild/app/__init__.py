"""The production labelling loop: project store, leased queue, background retraining,
REST API and web pages (FastAPI), behind authentication.

Start it with ``alwild serve DIR`` (or ``alwild serve-demo``); embed it with
:func:`alwild.app.server.create_app`.
"""
