"""Relational storage (SQLAlchemy Core, SQLite or PostgreSQL) and its migrations."""
