"""HTTP layer: a FastAPI app factory with one router per area, over ``tenure.services``."""

from tenure.api.app import create_app

__all__ = ["create_app"]
