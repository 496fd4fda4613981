"""Alembic migrations, shipped inside the package so `fibonacco migrate` works from the installed image."""
