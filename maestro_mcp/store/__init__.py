"""Persistence: SQLAlchemy Core over SQLite (default) or Postgres, one worker-thread hop per transaction."""
