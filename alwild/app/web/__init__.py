"""The app over HTTP: the FastAPI application, the REST API, the pages with their
templates and static files, request plumbing and the API's schemas."""
