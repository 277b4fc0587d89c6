"""The blueprint every route module of the API registers on."""

from __future__ import annotations

from apiflask import APIBlueprint

api = APIBlueprint("api", __name__, url_prefix="/api/v1", enable_openapi=True)
