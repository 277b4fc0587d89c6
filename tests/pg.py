"""Throwaway PostgreSQL databases for tests (server at 127.0.0.1:5432, user postgres, trust auth).

``with pg_url() as url:`` creates ``budgetopt_<uuid>`` through the ``test`` database, yields its
SQLAlchemy URL (``postgresql+psycopg://…``) and drops it afterwards, closing any connection left open.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg import sql

PG_HOST = os.environ.get("BUDGETOPT_TEST_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("BUDGETOPT_TEST_PG_PORT", "5432"))
PG_USER = os.environ.get("BUDGETOPT_TEST_PG_USER", "postgres")
PG_ADMIN_DB = os.environ.get("BUDGETOPT_TEST_PG_DB", "test")


def _admin() -> psycopg.Connection:
    return psycopg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname=PG_ADMIN_DB, autocommit=True,
                           connect_timeout=5)


def pg_available() -> bool:
    """Whether the test PostgreSQL server answers."""
    try:
        with _admin():
            return True
    except psycopg.OperationalError:
        return False


def create_database(prefix: str = "budgetopt") -> tuple[str, str]:
    """Create an empty database with a unique name; returns (name, SQLAlchemy URL)."""
    name = f"{prefix}_{uuid.uuid4().hex}"
    with _admin() as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return name, f"postgresql+psycopg://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"


def drop_database(name: str) -> None:
    """Drop a database made by :func:`create_database`, whoever is still connected."""
    with _admin() as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@contextmanager
def pg_url(prefix: str = "budgetopt") -> Iterator[str]:
    """A throwaway database's URL for the duration of the block."""
    name, url = create_database(prefix)
    try:
        yield url
    finally:
        drop_database(name)
