"""Alembic's entry point: runs the migrations on the connection ``estimator.records.log_schema`` hands over.

That connection is already inside the transaction that holds the quote log's write lock, so the
migrations and the version stamp commit (or roll back) together with it.
"""

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, version_table=context.config.attributes["version_table"],
                  transactional_ddl=True)
with context.begin_transaction():
    context.run_migrations()
