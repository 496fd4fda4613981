"""CRM test helpers: customers and custom fields straight in the test's session."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from fibonacco.crm.models import Customer, CustomFieldDefinition, CustomFieldType
from fibonacco.kit.clock import utcnow
from fibonacco.tenant.models import Tenant

MakeCustomer = Callable[..., Awaitable[Customer]]
MakeField = Callable[..., Awaitable[CustomFieldDefinition]]


@pytest.fixture
def make_customer(session: AsyncSession) -> MakeCustomer:
    async def make(tenant: Tenant, **values: object) -> Customer:
        suffix = uuid.uuid4().hex[:8]
        values.setdefault("name", f"Customer {suffix}")
        values.setdefault("slug", f"customer-{suffix}")
        values.setdefault("stage_changed_at", utcnow())
        customer = Customer(tenant_id=tenant.id, **values)
        session.add(customer)
        await session.flush()
        return customer

    return make


@pytest.fixture
def make_field(session: AsyncSession) -> MakeField:
    async def make(
        tenant: Tenant, key: str, type: CustomFieldType, options: list[str] | None = None
    ) -> CustomFieldDefinition:
        definition = CustomFieldDefinition(
            tenant_id=tenant.id, key=key, label=key.title(), type=type, options=options or []
        )
        session.add(definition)
        await session.flush()
        return definition

    return make
