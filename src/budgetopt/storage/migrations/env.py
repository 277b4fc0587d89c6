"""Alembic environment: migrates the connection given in ``config.attributes["connection"]``, or the
database named by ``sqlalchemy.url`` / ``BUDGETOPT_DATABASE_URL``.

A new revision after a change to ``budgetopt.storage.records``, against a database at head::

    from alembic import command
    from budgetopt.storage.db import Database, migrations_config
    with Database(url).engine.connect() as c:
        command.revision(migrations_config(c), message="...", autogenerate=True, rev_id="0002")
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

from budgetopt.settings import Settings
from budgetopt.storage.records import Base

# One lock id for schema upgrades on PostgreSQL, so that processes starting together migrate in turn.
UPGRADE_LOCK_ID = 7_406_251_113

target_metadata = Base.metadata
config = context.config


def run(connection: Connection) -> None:
    """Run the migrations on one connection, in one transaction."""
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=connection.dialect.name == "sqlite", compare_type=True)
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({UPGRADE_LOCK_ID})")
        context.run_migrations()


def main() -> None:
    """Migrate online (a live connection); offline SQL generation is not offered."""
    connection = config.attributes.get("connection")
    if connection is not None:
        run(connection)
        return
    url = config.get_main_option("sqlalchemy.url") or Settings().resolved_database_url()
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            run(connection)
            connection.commit()
    finally:
        engine.dispose()


main()
