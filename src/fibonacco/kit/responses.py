"""The response envelope (DESIGN.md §7): `{"data": …, "message": …, "meta": {"pagination": …}}`."""

from __future__ import annotations

import math
from typing import Annotated, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel, Field

T = TypeVar("T")

MAX_PER_PAGE = 100
# Far beyond any real list; it keeps the row offset a valid database integer.
MAX_PAGE = 100_000


class PaginationMeta(BaseModel):
    page: int
    per_page: int
    total: int
    total_pages: int


class ListMeta(BaseModel):
    pagination: PaginationMeta


class Envelope(BaseModel, Generic[T]):
    data: T
    message: str | None = None
    meta: dict[str, object] | None = None


class PaginatedEnvelope(BaseModel, Generic[T]):
    data: list[T]
    message: str | None = None
    meta: ListMeta


class Page(BaseModel):
    page: int = Field(1, ge=1, le=MAX_PAGE)
    per_page: int = Field(20, ge=1, le=MAX_PER_PAGE)

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


async def _page_params(  # async: a plain def would run in the thread pool (kit.dependencies)
    page: Annotated[int, Query(ge=1, le=MAX_PAGE, description="1-based page number")] = 1,
    per_page: Annotated[int, Query(ge=1, le=MAX_PER_PAGE, description=f"items per page (max {MAX_PER_PAGE})")] = 20,
) -> Page:
    return Page(page=page, per_page=per_page)


PageDep = Annotated[Page, Depends(_page_params)]


def ok(data: T, message: str | None = None) -> Envelope[T]:
    return Envelope[T](data=data, message=message)


def paginated(items: list[T], total: int, page: Page, message: str | None = None) -> PaginatedEnvelope[T]:
    pagination = PaginationMeta(
        page=page.page,
        per_page=page.per_page,
        total=total,
        total_pages=math.ceil(total / page.per_page) if total else 0,
    )
    return PaginatedEnvelope[T](data=items, message=message, meta=ListMeta(pagination=pagination))
