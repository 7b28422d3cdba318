"""The store: SQLAlchemy Core tables, migrations, writers and query helpers."""
