"""The HTTP API and web pages (FastAPI). Reads the store; never imports the gateway's internals."""

from api.app import create_app
from api.context import ApiContext

__all__ = ["ApiContext", "create_app"]
