"""The Alembic environment; it ships inside the package (see ``belegsync.store.migrate``)."""
