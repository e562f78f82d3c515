"""Persistence: SQLAlchemy async Core over SQLite (default) or Postgres."""
