"""The HTTP API and web pages (FastAPI). Reads the store; changes go through the gateway."""

from api.app import create_app
from api.context import ApiContext

__all__ = ["ApiContext", "create_app"]
