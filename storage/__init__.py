"""Records: SQLModel tables, the engine, Alembic migrations and queries. Knows nothing of Slack."""
