"""Pages in the app: Flask-Babel (Dutch by default, English), CSRF on every form, filters, the blueprint."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask
from flask_babel import Babel
from flask_wtf.csrf import CSRFProtect

from budgetopt.web.pages.blueprint import DEFAULT_LANGUAGE, select_language
from budgetopt.web.pages.formatting import FILTERS

TRANSLATIONS = Path(__file__).resolve().parents[2] / "translations"
SECRET_KEY_VARIABLE = "BUDGETOPT_SECRET_KEY"

csrf = CSRFProtect()
babel = Babel()


def init_pages(app: Flask) -> None:
    """Register the ``web`` blueprint with translations, CSRF protection and the number filters.

    The secret key signing CSRF tokens comes from the app's config ``SECRET_KEY``, else the
    variable ``BUDGETOPT_SECRET_KEY``, else a random key of this process."""
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = os.environ.get(SECRET_KEY_VARIABLE) or secrets.token_hex(32)
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    app.config.setdefault("BABEL_DOMAIN", "messages;reports")
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    babel.init_app(app, locale_selector=select_language)
    csrf.init_app(app)
    from budgetopt.web.api import api

    csrf.exempt(api)
    for name, function in FILTERS.items():
        app.add_template_filter(function, name)

    from budgetopt.web.pages import routes  # noqa: F401
    from budgetopt.web.pages.blueprint import web

    app.register_blueprint(web)
