"""The OpenAPI document of the app as plain data and as the YAML of ``api/openapi.yaml``."""

from __future__ import annotations

import json
import tempfile
from typing import Any

import yaml


def openapi_document() -> dict[str, Any]:
    """The app's OpenAPI document (an app on a throwaway SQLite database, no executor)."""
    from budgetopt.web import create_app, services_of

    with tempfile.TemporaryDirectory(prefix="budgetopt-openapi-") as folder:
        app = create_app({"instance_path": folder, "database_url": None, "executor": "none"})
        try:
            with app.app_context():
                return json.loads(json.dumps(app.spec))
        finally:
            services_of(app).close()


def openapi_yaml(document: dict[str, Any] | None = None) -> str:
    """The document as YAML (keys in the document's order)."""
    return yaml.safe_dump(document or openapi_document(), sort_keys=False, allow_unicode=True, width=100)
