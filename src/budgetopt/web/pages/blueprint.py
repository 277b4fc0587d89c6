"""The ``web`` blueprint of the analysts' pages: language cookie, page context and error pages."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from budgetopt.storage import Conflict, NotFound
from budgetopt.web.pages.formatting import lang
from budgetopt.web.pages.words import KINDS, PHASES, STATUSES, word

log = logging.getLogger(__name__)

LANGUAGES = ("nl", "en")
DEFAULT_LANGUAGE = "nl"
LANG_COOKIE = "lang"
LANG_COOKIE_AGE_S = 365 * 24 * 3600

web = Blueprint("web", __name__, static_folder="../static/pages", static_url_path="/static/pages")


def select_language() -> str:
    """``?lang=``, else the ``lang`` cookie, else Accept-Language, else Dutch."""
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        return asked
    cookie = request.cookies.get(LANG_COOKIE)
    if cookie in LANGUAGES:
        return cookie
    return request.accept_languages.best_match(LANGUAGES, default=DEFAULT_LANGUAGE) or DEFAULT_LANGUAGE


@web.after_request
def _remember_language(response: Response) -> Response:
    """``?lang=`` is remembered in a cookie; pages vary by it, are not cached and send referrers only
    to their own origin."""
    asked = request.args.get("lang")
    if asked in LANGUAGES and request.cookies.get(LANG_COOKIE) != asked:
        response.set_cookie(LANG_COOKIE, asked, max_age=LANG_COOKIE_AGE_S, samesite="Lax", httponly=True,
                            secure=request.is_secure)
    response.vary.add("Cookie")
    response.vary.add("Accept-Language")
    if request.endpoint != "web.static":
        response.headers.setdefault("Cache-Control", "no-store")
    # Same-origin referrers let the CSRF check confirm over HTTPS that a form was sent from these pages.
    response.headers["Referrer-Policy"] = "same-origin"
    return response


def url_in(language: str) -> str:
    """This page in another language (its query kept)."""
    args: dict[str, Any] = request.args.to_dict(flat=True)
    args["lang"] = language
    return f"{request.path}?{urlencode(args)}"


@web.context_processor
def _page_context() -> dict[str, Any]:
    return {"lang": lang(), "languages": LANGUAGES, "url_in": url_in,
            "phase_words": {key: str(value) for key, value in PHASES.items()}}


@web.app_template_global()
def status_word(value: str | None) -> str:
    """A job, scenario or solve status in words."""
    return word(STATUSES, value)


@web.app_template_global()
def phase_word(value: str | None) -> str:
    """A job's phase in words."""
    return word(PHASES, value)


@web.app_template_global()
def kind_word(value: str | None) -> str:
    """A job's kind in words."""
    return word(KINDS, value)


def error_page(status: int, title: str, detail: str = "") -> tuple[str, int]:
    """An error as a page of its own."""
    return render_template("pages/error.html", status=status, title=title, detail=detail), status


@web.errorhandler(NotFound)
def _not_found(error: NotFound) -> tuple[str, int]:
    return error_page(404, _("Not found"), _("This page or record does not exist (any more)."))


@web.errorhandler(Conflict)
def _conflict(error: Conflict) -> tuple[str, int]:
    return error_page(409, _("Not possible now"), str(error))


@web.errorhandler(CSRFError)
def _csrf(error: CSRFError) -> tuple[str, int]:
    return error_page(400, _("The form has expired"),
                      _("Go back, reload the page and send the form again."))


@web.errorhandler(Exception)
def _unexpected(error: Exception) -> tuple[str, int]:
    if isinstance(error, HTTPException):
        return _http(error)
    log.exception("unhandled error on %s %s", request.method, request.path)
    return error_page(500, _("Something went wrong"), _("The error was logged. Try again later."))


@web.errorhandler(HTTPException)
def _http(error: HTTPException) -> tuple[str, int]:
    status = error.code or 500
    if status == 404:
        return _not_found(NotFound(""))
    if status == 413:
        return error_page(413, _("The file is too large"), _("Upload a smaller file."))
    return error_page(status, _("The request cannot be handled"), error.description or "")
