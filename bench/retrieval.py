"""Retrieval quality of knowledge search: recall@1, recall@5 and MRR@10 per mode and embedder.

    .venv/bin/python -m bench.retrieval --smoke                  # 20 entries, hashing only (CI: tests/bench)
    .venv/bin/python -m bench.retrieval                          # the whole set, every installed embedder
    .venv/bin/python -m bench.retrieval --embedders hashing

The labelled set is `bench/data/faq_paraphrases.json`: help-centre FAQ entries, each with two or three questions
phrased the way users ask them (few shared words), each question labelled with its one right entry. Every
question goes through the application's own call (`knowledge.service.search`, the same as the API's) in each
mode, against a tenant whose entries are embedded by that embedder. Also reports the latency of that call
(query embedding included), p50/p99.

Starts its own embedded PostgreSQL unless DB_HOST is set (then it recreates `--database` on that server).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import statistics
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from bench.fixtures import EntryData, seed_tenant, server_versions, servers
from fibonacco.config import load_settings
from fibonacco.integrations.embeddings import MiniLMEmbedder
from fibonacco.integrations.registry import get_embedder
from fibonacco.kit.db import create_engine, create_sessionmaker
from fibonacco.kit.tenancy import bind_tenant
from fibonacco.knowledge import service
from fibonacco.knowledge.schemas import KnowledgeFilters, SearchMode

DATA = Path(__file__).parent / "data" / "faq_paraphrases.json"
DEPTH = 10  # results asked for: MRR@10 and recall@5 need no more


@dataclass(frozen=True)
class Options:
    entries: int | None
    embedders: list[str]
    database: str


@dataclass(frozen=True)
class Question:
    text: str
    answer: int  # position of the right entry in the set


@dataclass
class Figures:
    embedder: str
    mode: SearchMode
    ranks: list[int | None]  # rank of the right entry (1-based) in the top DEPTH, or None
    seconds: list[float]

    def recall(self, k: int) -> float:
        return sum(1 for rank in self.ranks if rank is not None and rank <= k) / len(self.ranks)

    def mrr(self) -> float:
        return sum(1 / rank for rank in self.ranks if rank is not None) / len(self.ranks)

    def latency_ms(self, share: float) -> float:
        ordered = sorted(self.seconds)
        return 1000 * ordered[min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1)]


def parse_options() -> Options:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true", help="CI mode: the first 20 entries, hashing only")
    parser.add_argument("--entries", type=int, default=None, help="use only the first N entries of the set")
    parser.add_argument("--embedders", nargs="+", default=None, help="default: hashing, and minilm if installed")
    parser.add_argument("--database", default="fibonacco_bench_retrieval")
    args = parser.parse_args()
    embedders = args.embedders or ["hashing", *(["minilm"] if MiniLMEmbedder.is_available() else [])]
    if args.smoke:
        args.entries, embedders = 20, ["hashing"]
    return Options(entries=args.entries, embedders=embedders, database=args.database)


def load_set(limit: int | None) -> tuple[list[EntryData], list[Question]]:
    raw = json.loads(DATA.read_text())["entries"][:limit]
    entries = [EntryData(item["title"], item["content"]) for item in raw]
    questions = [Question(text, position) for position, item in enumerate(raw) for text in item["questions"]]
    return entries, questions


async def evaluate(
    env: dict[str, str], embedder_name: str, entries: list[EntryData], questions: list[Question]
) -> list[Figures]:
    settings = load_settings(**env, EMBEDDINGS_PROVIDER=embedder_name)
    embedder = get_embedder(settings)
    seeded = await seed_tenant(settings, f"retrieval-{embedder_name}", entries, embedder)
    await embedder.embed(["warm-up"])  # a model loads on first use; that is not a search's latency
    engine = create_engine(settings, pool_size=1)
    sessionmaker = create_sessionmaker(engine)
    results = []
    try:
        for mode in SearchMode:
            figures = Figures(embedder_name, mode, [], [])
            for question in questions:
                async with sessionmaker() as session:
                    await bind_tenant(session, seeded.tenant_id)
                    started = time.perf_counter()
                    outcome = await service.search(
                        session, seeded.tenant_id, mode, question.text, KnowledgeFilters(), DEPTH, embedder
                    )
                    figures.seconds.append(time.perf_counter() - started)
                    found: list[uuid.UUID] = [hit.entry["id"] for hit in outcome.hits]
                    await session.rollback()
                right = seeded.entry_ids[question.answer]
                figures.ranks.append(found.index(right) + 1 if right in found else None)
            results.append(figures)
    finally:
        await engine.dispose()
    return results


def report(results: list[Figures], entries: int, questions: int, versions: str) -> None:
    print("Retrieval benchmark (bench/retrieval.py)")
    print("conditions:")
    print(f"  CPUs {os.cpu_count()}, {versions}, Python {sys.version.split()[0]}")
    print(f"  {DATA.name}: {entries} entries, {questions} paraphrased questions; top {DEPTH} asked for")
    print("  latency: knowledge.service.search in-process, query embedding included, one query at a time")
    print("figures:")
    header = f"  {'embedder':<9} {'mode':<10} {'recall@1':>8} {'recall@5':>8} {'MRR@10':>7} {'p50 ms':>8} {'p99 ms':>8}"
    print(header)
    for figures in results:
        print(
            f"  {figures.embedder:<9} {figures.mode.value:<10} {figures.recall(1):8.3f} {figures.recall(5):8.3f} "
            f"{figures.mrr():7.3f} {figures.latency_ms(0.5):8.2f} {figures.latency_ms(0.99):8.2f}"
        )
    misses = {f"{f.embedder}/{f.mode.value}": sum(rank is None for rank in f.ranks) for f in results}
    print("  not in the top 10: " + ", ".join(f"{name} {count}" for name, count in misses.items()))
    print(f"  mean latency over all: {1000 * statistics.mean(s for f in results for s in f.seconds):.2f} ms")


def main() -> None:
    options = parse_options()
    entries, questions = load_set(options.entries)
    results: list[Figures] = []
    with servers(options.database, redis=False) as env:
        for name in options.embedders:
            results += asyncio.run(evaluate(env, name, entries, questions))
        versions = asyncio.run(server_versions(load_settings(**env)))
    report(results, len(entries), len(questions), versions)


if __name__ == "__main__":
    main()
