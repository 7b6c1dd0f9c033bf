"""Alembic migrations for Hearth's schema."""
