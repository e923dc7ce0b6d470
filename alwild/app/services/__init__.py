"""What the app does, one module per action: accounts, projects and members, ingest,
leases, labels, streaming intake, training, summaries and export. The REST API and the
pages both call these, so each action is written once. Imports the store, never ``web``."""
