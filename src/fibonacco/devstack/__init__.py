"""The one-command development stack: embedded PostgreSQL + pgvector and Redis, and a process supervisor."""
