"""alwild as a Label Studio ML backend: ``source`` reads task images and exports from a
Label Studio server, ``link`` keeps its projects, tasks and annotations in the workspace,
``predictions`` turns the latest round into Label Studio predictions, ``server`` is the
FastAPI app that speaks the ML-backend protocol."""
