"""What the app keeps: the database tables (:mod:`~alwild.app.store.orm`), the workspace
folder with its database and secret key, and the signed model files. The lowest layer of
the app: it imports nothing from ``services`` or ``web``."""
