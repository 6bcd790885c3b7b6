"""Persistence: SQLAlchemy models and column types, the unit of work and repositories,
tenant-scoped reads (``access``), the content-addressed file store and migrations.

Modules: ``db`` (engines, sessions), ``models``, ``types``, ``uow``, ``repositories``,
``sync_runs``, ``access``, ``files``, ``migrate``, ``secrets``.
"""
