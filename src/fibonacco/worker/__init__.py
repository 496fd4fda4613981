"""Background jobs: the broker, the actor decorator, enqueue-after-commit, failed jobs, batches and schedules."""
