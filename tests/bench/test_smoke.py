"""The benchmarks still run (tiny sizes, no timing asserted): a broken bench is found here, not by hand later."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from fibonacco.config import PROJECT_ROOT


def run_bench(*args: str) -> str:
    result = subprocess.run(
        [sys.executable, *args], cwd=PROJECT_ROOT, env=os.environ.copy(), capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return result.stdout


class TestBenchmarks:
    def test_jobs_smoke(self) -> None:
        output = run_bench("-m", "bench.jobs", "--smoke")
        assert "process (jobs/s)" in output and "Celery" in output and "conditions:" in output

    def test_delivery_smoke(self) -> None:
        output = run_bench("-m", "bench.delivery", "--smoke")
        figures = dict(line.rsplit(maxsplit=1) for line in output.splitlines()[:5])
        assert figures == {
            "messages": "30",
            "delivered": "30",
            "duplicates": "0",
            "lost": "0",
            "wrongly recorded": "0",
        }, output
        assert "worker SIGKILL" in output and "conditions:" in output

    def test_search_smoke(self) -> None:
        output = run_bench("bench/search.py", "--smoke")
        assert "recall@10" in output and "speed-up" in output

    def test_api_smoke(self) -> None:
        output = run_bench("-m", "bench.api", "--smoke", "--embedders", "hashing", "--rounds", "2")
        assert "GET /health (floor)" in output and "hybrid search" in output and "of /health" in output
        assert "conditions:" in output and "medians over the 2 rounds:" in output

    def test_retrieval_smoke(self) -> None:
        output = run_bench("-m", "bench.retrieval", "--smoke")
        for mode in ("semantic", "full-text", "hybrid"):
            assert f"hashing   {mode}" in output
        assert "MRR@10" in output and "recall@5" in output and "conditions:" in output

    def test_crm_smoke(self) -> None:
        output = run_bench("-m", "bench.crm", "--smoke")
        assert "rows/s" in output and "trigram search" in output and "conditions:" in output and "EXPLAIN" in output

    def test_instructions_smoke(self) -> None:
        if shutil.which("valgrind") is None:
            pytest.skip("valgrind is not installed (Debian package valgrind)")
        output = run_bench("-m", "bench.instructions", "--smoke")
        assert "M instr./req" in output and "entry by id" in output and "conditions:" in output
