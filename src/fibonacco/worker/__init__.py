"""Background jobs: broker, actor decorator, enqueue-after-commit, failed jobs, batches and schedules."""
