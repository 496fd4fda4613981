"""Finding customers: typo-tolerant search, filters, sorting, pagination with totals, and segments."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from fibonacco.auth.models import Role
from fibonacco.crm.models import ConsentChannel, ConsentStatus, CustomFieldType, Stage
from fibonacco.crm.repository import CustomCondition, CustomerQuery, CustomerRepository
from fibonacco.crm.schemas import CustomerSort
from fibonacco.kit.clock import utcnow
from fibonacco.kit.responses import Page
from fibonacco.kit.tenancy import APP_ROLE, TENANT_SETTING
from tests.crm.conftest import MakeCustomer, MakeField
from tests.fixtures import Actor, MakeActor


def names(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [row["name"] for row in response.json()["data"]]


@pytest.fixture
async def book(make_actor: MakeActor, make_customer: MakeCustomer, make_field: MakeField) -> Actor:
    """Five customers of one tenant with stages, tags, industries, custom fields and activity."""
    staff = await make_actor(Role.staff)
    await make_field(staff.tenant, "seats", CustomFieldType.number)
    await make_field(staff.tenant, "plan", CustomFieldType.select, ["basic", "pro"])
    await make_field(staff.tenant, "channels", CustomFieldType.multi_select, ["web", "phone"])
    now = utcnow()
    rows = [
        (
            "Acme Plumbing",
            "acme@plumbing.example",
            "+12025550143",
            Stage.customer,
            ["vip"],
            "plumbing",
            {"seats": 12, "plan": "pro", "channels": ["web"]},
            1,
        ),
        (
            "Bella Pizza",
            "hello@bella.example",
            None,
            Stage.lead,
            ["food"],
            "restaurant",
            {"seats": 3, "plan": "basic"},
            5,
        ),
        (
            "Cedar Dental",
            "desk@cedar.example",
            "+12025550199",
            Stage.customer,
            ["vip", "health"],
            "dental",
            {"seats": 40, "channels": ["web", "phone"]},
            None,
        ),
        ("Delta Roofing", None, None, Stage.prospect, [], "roofing", {}, 30),
        ("Echo Bakery", "bake@echo.example", None, Stage.churned, ["food"], "restaurant", {"plan": "pro"}, 2),
    ]
    for name, email, phone, stage, tags, industry, custom, days_ago in rows:
        await make_customer(
            staff.tenant,
            name=name,
            slug=name.lower().replace(" ", "-"),
            email=email,
            phone=phone,
            stage=stage,
            tags=tags,
            industry=industry,
            custom_fields=custom,
            last_activity_at=now - timedelta(days=days_ago) if days_ago is not None else None,
        )
    return staff


class TestSearch:
    @pytest.mark.parametrize(
        ("q", "expected"),
        [
            ("acme", "Acme Plumbing"),
            ("acmee plumbng", "Acme Plumbing"),  # typos
            ("belaa piza", "Bella Pizza"),
            ("desk@cedar", "Cedar Dental"),  # email
            ("5550199", "Cedar Dental"),  # phone
            ("delta-roofing", "Delta Roofing"),  # slug
        ],
    )
    async def test_finds_by_name_email_phone_or_slug_despite_typos(
        self, client: httpx.AsyncClient, book: Actor, q: str, expected: str
    ) -> None:
        found = names(await client.get("/api/v1/customers", params={"q": q, "sort": "relevance"}, headers=book.headers))
        assert found and found[0] == expected

    async def test_unrelated_text_finds_nothing(self, client: httpx.AsyncClient, book: Actor) -> None:
        assert names(await client.get("/api/v1/customers", params={"q": "zzqx"}, headers=book.headers)) == []

    async def test_pages_of_a_search_by_relevance(
        self, client: httpx.AsyncClient, connection: AsyncConnection, book: Actor
    ) -> None:
        """With no other filter, a page and its total come from one statement that calls the matching function
        once (past the last page, a second one counts); they agree with the general path's (here forced by a
        filter that keeps everyone: every stage)."""
        statements: list[str] = []
        sync = connection.sync_connection
        assert sync is not None

        def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
            statements.append(statement)

        every_stage = [stage.value for stage in Stage]
        for page in (1, 2, 3):
            params = {"q": "example", "sort": "relevance", "per_page": 2, "page": page}
            event.listen(sync, "after_cursor_execute", record)
            try:
                searched = await client.get("/api/v1/customers", params=params, headers=book.headers)
            finally:
                event.remove(sync, "after_cursor_execute", record)
            filtered = await client.get(
                "/api/v1/customers", params={**params, "stage": every_stage}, headers=book.headers
            )
            assert names(searched) == names(filtered) and len(names(searched)) == (2, 2, 0)[page - 1]
            assert searched.json()["meta"]["pagination"]["total"] == 4  # the four with an e-mail at example
            assert filtered.json()["meta"]["pagination"] == searched.json()["meta"]["pagination"]
            matching = [sql for sql in statements if "crm_customers_matching" in sql]
            assert [sql.count("crm_customers_matching") for sql in matching] == ([1] if page < 3 else [1, 1])
            statements.clear()


@pytest.mark.parametrize("read", ["list_page", "count", "all_matching"])
async def test_customer_filters_are_planned_for_their_values(session: AsyncSession, book: Actor, read: str) -> None:
    """A generic plan of a customer filter, made for no value in particular, was 4x slower for some values."""
    customers = CustomerRepository(session, book.tenant.id)
    query = CustomerQuery(tags=("vip",))
    assert await session.scalar(text("SELECT current_setting('plan_cache_mode')")) == "auto"
    found = await {
        "list_page": lambda: customers.list_page(query, CustomerSort.newest, Page()),
        "count": lambda: customers.count(query),
        "all_matching": lambda: customers.all_matching(query),
    }[read]()
    assert found
    assert await session.scalar(text("SELECT current_setting('plan_cache_mode')")) == "force_custom_plan"


async def owned_as_on_rds(session: AsyncSession) -> None:
    """For this test's transaction, the search's tables and functions belong to a role that is neither superuser
    nor BYPASSRLS, as on RDS (where the owner is the master user): the forced policies bind it."""
    owner = "crm_search_owner_probe"
    await session.execute(text(f"CREATE ROLE {owner} NOSUPERUSER NOBYPASSRLS"))
    for kind, name in (
        ("TABLE", "customer_search_terms"),
        ("TABLE", "customer_search_vocabulary"),
        ("FUNCTION", "crm_customers_matching(text)"),
        *(("FUNCTION", f"crm_customer_search_{change}()") for change in ("insert", "update", "delete")),
    ):
        await session.execute(text(f"ALTER {kind} {name} OWNER TO {owner}"))


class TestSearchIndex:
    """The search reads `customer_search_terms` (migration 0010), kept by triggers on `customers`."""

    async def test_follows_renames_and_erasure(
        self, client: httpx.AsyncClient, session: AsyncSession, book: Actor, make_actor: MakeActor
    ) -> None:
        delta = (await client.get("/api/v1/customers/slug/delta-roofing", headers=book.headers)).json()["data"]
        assert names(await client.get("/api/v1/customers", params={"q": "zephyr"}, headers=book.headers)) == []
        renamed = await client.patch(
            f"/api/v1/customers/{delta['id']}", json={"name": "Zephyr Roofing"}, headers=book.headers
        )
        assert renamed.status_code == 200, renamed.text
        found = await client.get("/api/v1/customers", params={"q": "zephyrr"}, headers=book.headers)
        assert names(found) == ["Zephyr Roofing"]
        admin = await make_actor(Role.admin, tenant=book.tenant)
        assert (await client.delete(f"/api/v1/customers/{delta['id']}", headers=admin.headers)).status_code == 200
        left = await session.scalar(
            text("SELECT count(*) FROM customer_search_terms WHERE customer_id = :id"), {"id": delta["id"]}
        )
        assert left == 0

    async def test_erasing_forgets_words_no_one_else_has_and_keeps_another_tenants(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        book: Actor,
        make_actor: MakeActor,
        make_customer: MakeCustomer,
    ) -> None:
        """The functions cross tenants for their own duration to see who else has a word: run as an owner the
        forced policies bind (as on RDS), without that the other tenant's word would go."""
        await owned_as_on_rds(session)
        other = await make_actor(Role.staff)
        await make_customer(other.tenant, name="Quillon Acme", slug="quillon-acme")
        admin = await make_actor(Role.admin, tenant=book.tenant)
        for name in ("Quillon Bakery", "Vexmoor Bakery"):
            created = await client.post("/api/v1/customers", json={"name": name}, headers=book.headers)
            assert created.status_code == 201, created.text
            erased = await client.delete(f"/api/v1/customers/{created.json()['data']['id']}", headers=admin.headers)
            assert erased.status_code == 200, erased.text
        vocabulary = text("SELECT term FROM customer_search_vocabulary WHERE term IN ('quillon', 'vexmoor')")
        assert set((await session.execute(vocabulary)).scalars()) == {"quillon"}  # the other tenant's customer has it
        found = await client.get("/api/v1/customers", params={"q": "quilon"}, headers=other.headers)
        assert names(found) == ["Quillon Acme"]

    async def test_an_owner_that_is_not_a_superuser_reads_the_trigram_index(
        self, session: AsyncSession, book: Actor
    ) -> None:
        """As on RDS, where the owner is the master user, not a superuser and bound by every forced policy: the
        function still finds words through the vocabulary's trigram index (a policy there would forbid it)."""
        await owned_as_on_rds(session)
        for statement in (
            f"SET LOCAL ROLE {APP_ROLE}",
            # Tiny tables: leave the planner no cheaper way than the trigram index, where it may use it.
            "SET LOCAL enable_seqscan = off",
            "SET LOCAL enable_indexscan = off",
            "SET LOCAL enable_indexonlyscan = off",
        ):
            await session.execute(text(statement))
        await session.execute(
            text("SELECT set_config(:setting, :tenant, true)"),
            {"setting": TENANT_SETTING, "tenant": str(book.tenant.id)},
        )
        # The backend's scans not yet reported (they may include an earlier transaction's): compare before/after.
        scans = text("SELECT pg_stat_get_xact_numscans('ix_customer_search_vocabulary_trgm'::regclass)")
        before = await session.scalar(scans)
        found = await session.scalar(text("SELECT count(*) FROM crm_customers_matching('acmee')"))
        used = await session.scalar(scans) - before
        await session.execute(text("RESET ROLE"))
        assert found == 1
        assert used > 0


class TestFilters:
    @pytest.mark.parametrize(
        ("params", "expected"),
        [
            ({"stage": ["customer"]}, ["Acme Plumbing", "Cedar Dental"]),
            ({"stage": ["lead", "prospect"]}, ["Bella Pizza", "Delta Roofing"]),
            ({"tag": ["vip", "health"]}, ["Cedar Dental"]),
            ({"industry": "restaurant"}, ["Bella Pizza", "Echo Bakery"]),
            ({"custom": ["plan:pro"]}, ["Acme Plumbing", "Echo Bakery"]),
            ({"custom": ["seats>=10"]}, ["Acme Plumbing", "Cedar Dental"]),
            ({"custom": ["seats>=10", "seats<=20"]}, ["Acme Plumbing"]),
            ({"custom": ["channels:phone"]}, ["Cedar Dental"]),
            ({"tag": ["food"], "custom": ["plan:basic"]}, ["Bella Pizza"]),
        ],
    )
    async def test_filters(
        self, client: httpx.AsyncClient, book: Actor, params: dict[str, object], expected: list[str]
    ) -> None:
        response = await client.get("/api/v1/customers", params={**params, "sort": "name"}, headers=book.headers)
        assert names(response) == expected
        assert response.json()["meta"]["pagination"]["total"] == len(expected)

    async def test_activity_range_and_sorting(self, client: httpx.AsyncClient, book: Actor) -> None:
        since = (utcnow() - timedelta(days=3)).isoformat()
        recent = await client.get(
            "/api/v1/customers", params={"active_from": since, "sort": "-last_activity_at"}, headers=book.headers
        )
        assert names(recent) == ["Acme Plumbing", "Echo Bakery"]
        by_name = await client.get(
            "/api/v1/customers", params={"sort": "-name", "per_page": 2, "page": 2}, headers=book.headers
        )
        assert names(by_name) == ["Cedar Dental", "Bella Pizza"]
        assert by_name.json()["meta"]["pagination"] == {"page": 2, "per_page": 2, "total": 5, "total_pages": 3}

    async def test_consent_filter(self, client: httpx.AsyncClient, book: Actor) -> None:
        acme = (await client.get("/api/v1/customers/slug/acme-plumbing", headers=book.headers)).json()["data"]
        bella = (await client.get("/api/v1/customers/slug/bella-pizza", headers=book.headers)).json()["data"]
        for customer, state in ((acme, ConsentStatus.subscribed), (bella, ConsentStatus.unsubscribed)):
            response = await client.put(
                f"/api/v1/customers/{customer['id']}/consent/{ConsentChannel.email.value}",
                json={"status": state.value, "source": "web form"},
                headers=book.headers,
            )
            assert response.status_code == 200, response.text
        subscribed = await client.get(
            "/api/v1/customers", params={"consent": ["email:subscribed"]}, headers=book.headers
        )
        assert names(subscribed) == ["Acme Plumbing"]
        unknown = await client.get(
            "/api/v1/customers", params={"consent": ["email:unknown"], "sort": "name"}, headers=book.headers
        )
        assert names(unknown) == ["Cedar Dental", "Delta Roofing", "Echo Bakery"]

    async def test_custom_filters_follow_edits_and_long_text(
        self, client: httpx.AsyncClient, book: Actor, make_field: MakeField
    ) -> None:
        """The filters read `customer_field_values` (migration 0011), which triggers keep; a text value too long
        to be copied there is still found (through `custom_fields`)."""
        await make_field(book.tenant, "notes", CustomFieldType.text)
        acme = (await client.get("/api/v1/customers/slug/acme-plumbing", headers=book.headers)).json()["data"]
        long_note = "é" * 150  # 300 bytes
        edited = await client.patch(
            f"/api/v1/customers/{acme['id']}",
            json={"custom_fields": {"plan": "basic", "seats": 2.5, "notes": long_note}},
            headers=book.headers,
        )
        assert edited.status_code == 200, edited.text
        filtered = {
            "plan:pro": ["Echo Bakery"],
            "plan:basic": ["Acme Plumbing", "Bella Pizza"],
            "seats<=2.5": ["Acme Plumbing"],
            f"notes:{long_note}": ["Acme Plumbing"],
        }
        for custom, expected in filtered.items():
            response = await client.get(
                "/api/v1/customers", params={"custom": [custom], "sort": "name"}, headers=book.headers
            )
            assert names(response) == expected, custom

    @pytest.mark.parametrize(
        ("condition", "index"),
        [
            ("text_value = 'pro'", "ix_customer_field_values_text"),
            ("number_value >= 10", "ix_customer_field_values_number"),
        ],
    )
    async def test_a_custom_filters_values_are_index_conditions_under_the_policy(
        self, session: AsyncSession, book: Actor, condition: str, index: str
    ) -> None:
        """What the filter asks of `customer_field_values` (`repository._custom_condition`), planned as the
        application role under the forced policy: every comparison is LEAKPROOF, so all are index conditions."""
        for statement in (f"SET LOCAL ROLE {APP_ROLE}", "SET LOCAL enable_seqscan = off"):
            await session.execute(text(statement))
        await session.execute(
            text("SELECT set_config(:setting, :tenant, true)"),
            {"setting": TENANT_SETTING, "tenant": str(book.tenant.id)},
        )
        plan = await session.scalar(
            text(
                "EXPLAIN (FORMAT JSON) SELECT customer_id FROM customer_field_values"
                f" WHERE tenant_id = :tenant AND key = :key AND {condition}"
            ),
            {"tenant": book.tenant.id, "key": "plan" if "text" in condition else "seats"},
        )
        await session.execute(text("RESET ROLE"))
        scan = plan[0]["Plan"]
        while scan.get("Index Name") != index and scan.get("Plans"):
            scan = scan["Plans"][0]
        assert scan.get("Index Name") == index, plan
        cond = scan["Index Cond"]
        assert "tenant_id" in cond and "key" in cond and condition.split()[0] in cond, cond

    @pytest.mark.parametrize("value", [10**400, -(10**400)])
    async def test_a_number_beyond_double_precision_is_a_422(
        self, client: httpx.AsyncClient, book: Actor, value: int
    ) -> None:
        acme = (await client.get("/api/v1/customers/slug/acme-plumbing", headers=book.headers)).json()["data"]
        response = await client.patch(
            f"/api/v1/customers/{acme['id']}", json={"custom_fields": {"seats": value}}, headers=book.headers
        )
        assert response.status_code == 422
        assert response.json()["error"]["details"][0]["field"] == "body.custom_fields.seats"

    @pytest.mark.parametrize("custom", ["colour:red", "seats>=many", "plan>=pro", "plan:gold", "no-operator"])
    async def test_bad_custom_filters_are_422_naming_the_parameter(
        self, client: httpx.AsyncClient, book: Actor, custom: str
    ) -> None:
        response = await client.get("/api/v1/customers", params={"custom": [custom]}, headers=book.headers)
        assert response.status_code == 422
        assert response.json()["error"]["details"][0]["field"].startswith("query.custom")


class TestSegments:
    @pytest.mark.parametrize(
        "filters",
        [
            {},
            {"stage": ["customer"]},
            {"tag": ["food"]},
            {"industry": "restaurant", "stage": ["churned"]},
            {"custom": ["seats>=10"]},
            {"custom": ["seats>=10", "seats<=20"]},  # counted from the values table alone, intersected
            {"custom": ["channels:web"]},  # a multi-select: a row per option
            {"custom": ["channels:web", "plan:pro"]},
            {"custom": ["plan:pro"], "tag": ["food"]},
            {"q": "pizza"},
            {"stage": ["prospect"], "tag": ["vip"]},  # empty
        ],
    )
    async def test_count_equals_the_members_listed(
        self, client: httpx.AsyncClient, book: Actor, filters: dict[str, object]
    ) -> None:
        created = await client.post(
            "/api/v1/segments", json={"name": f"Segment {filters}", "filters": filters}, headers=book.headers
        )
        assert created.status_code == 201, created.text
        url = f"/api/v1/segments/{created.json()['data']['id']}"
        count = (await client.get(f"{url}/count", headers=book.headers)).json()["data"]["count"]
        members = await client.get(f"{url}/members", params={"per_page": 100}, headers=book.headers)
        assert count == len(members.json()["data"]) == members.json()["meta"]["pagination"]["total"]
        listed = await client.get("/api/v1/customers", params={**filters, "per_page": 100}, headers=book.headers)
        assert sorted(names(members)) == sorted(names(listed))
        assert (await client.get(url, headers=book.headers)).json()["data"]["count"] == count

    async def test_custom_values_alone_are_counted_from_their_table_for_this_tenant_only(
        self,
        session: AsyncSession,
        book: Actor,
        make_actor: MakeActor,
        make_customer: MakeCustomer,
        make_field: MakeField,
    ) -> None:
        """`repository._count_from_values`: no join with the customers, and the policy's tenant still decides."""
        other = await make_actor(Role.staff)
        await make_field(other.tenant, "plan", CustomFieldType.select, ["basic", "pro"])
        await make_customer(other.tenant, custom_fields={"plan": "pro"})
        statements: list[str] = []
        connection = await session.connection()

        def listener(*args: Any) -> None:
            statements.append(args[2])

        event.listen(connection.sync_connection, "before_cursor_execute", listener)
        try:
            customers = CustomerRepository(session, book.tenant.id)
            pro = CustomCondition("plan", CustomFieldType.select, "=", "pro")
            web = CustomCondition("channels", CustomFieldType.multi_select, "=", "web")
            assert await customers.count(CustomerQuery(custom=(pro,))) == 2
            assert await customers.count(CustomerQuery(custom=(pro, web))) == 1
            assert await customers.count(CustomerQuery(custom=(pro,), stages=(Stage.churned.value,))) == 1
        finally:
            event.remove(connection.sync_connection, "before_cursor_execute", listener)
        counts = [statement for statement in statements if "count(" in statement]
        assert len(counts) == 3
        assert all("FROM customers" not in statement for statement in counts[:2]), counts
        assert "FROM customers" in counts[2]

    async def test_a_segment_is_live_and_validated(
        self, client: httpx.AsyncClient, book: Actor, make_customer: MakeCustomer
    ) -> None:
        segment = (
            await client.post(
                "/api/v1/segments", json={"name": "VIPs", "filters": {"tag": ["vip"]}}, headers=book.headers
            )
        ).json()["data"]
        url = f"/api/v1/segments/{segment['id']}/count"
        assert (await client.get(url, headers=book.headers)).json()["data"]["count"] == 2
        await make_customer(book.tenant, tags=["vip"])
        assert (await client.get(url, headers=book.headers)).json()["data"]["count"] == 3
        bad = await client.post(
            "/api/v1/segments", json={"name": "Bad", "filters": {"custom": ["nope:1"]}}, headers=book.headers
        )
        assert bad.status_code == 422
        duplicate = await client.post("/api/v1/segments", json={"name": "VIPs", "filters": {}}, headers=book.headers)
        assert duplicate.status_code == 409
        for not_a_boolean in (0, "true"):  # what a query string's filters may say, a JSON body may not
            lax = {"filters": {"do_not_contact": not_a_boolean}}
            refused = await client.patch(f"/api/v1/segments/{segment['id']}", json=lax, headers=book.headers)
            assert refused.status_code == 422, refused.text

    async def test_export_csv_of_a_segment(self, client: httpx.AsyncClient, book: Actor) -> None:
        segment = (
            await client.post(
                "/api/v1/segments", json={"name": "Food", "filters": {"tag": ["food"]}}, headers=book.headers
            )
        ).json()["data"]
        response = await client.get(
            "/api/v1/customers/export", params={"segment_id": segment["id"]}, headers=book.headers
        )
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
        lines = response.text.strip().splitlines()
        assert lines[0].startswith("id,name,slug,email") and "custom.plan" in lines[0]
        assert len(lines) == 3 and "Bella Pizza" in response.text and "Echo Bakery" in response.text
        everything = await client.get("/api/v1/customers/export", headers=book.headers)
        assert len(everything.text.strip().splitlines()) == 6

    @pytest.mark.parametrize(
        "params",
        [
            {"tag": "food"},
            {"q": "bela"},  # a typo: the list's fuzzy search
            {"stage": ["customer", "lead"], "custom": "seats>=10"},
            {"industry": "restaurant", "active_from": (utcnow() - timedelta(days=3)).isoformat()},
        ],
    )
    async def test_export_takes_the_lists_filters(
        self,
        client: httpx.AsyncClient,
        book: Actor,
        make_actor: MakeActor,
        make_customer: MakeCustomer,
        params: dict[str, object],
    ) -> None:
        # Another tenant's customer matching every filter never appears.
        theirs = await make_actor(Role.staff)
        await make_customer(
            theirs.tenant, name="Bella Foreign", tags=["food"], industry="restaurant", stage=Stage.customer
        )
        listed = await client.get("/api/v1/customers", params={**params, "per_page": 100}, headers=book.headers)
        exported = await client.get("/api/v1/customers/export", params=params, headers=book.headers)
        assert exported.status_code == 200, exported.text
        rows = list(csv.DictReader(io.StringIO(exported.text)))
        assert 0 < len(rows) == listed.json()["meta"]["pagination"]["total"] < 5
        assert sorted(row["name"] for row in rows) == sorted(names(listed))
        assert "Foreign" not in exported.text

    async def test_export_refuses_a_segment_with_filters(self, client: httpx.AsyncClient, book: Actor) -> None:
        segment = (
            await client.post("/api/v1/segments", json={"name": "All", "filters": {}}, headers=book.headers)
        ).json()["data"]
        response = await client.get(
            "/api/v1/customers/export", params={"segment_id": segment["id"], "tag": "vip"}, headers=book.headers
        )
        assert response.status_code == 422
        assert response.json()["error"]["details"][0]["field"] == "query.segment_id"
        unknown = await client.get("/api/v1/customers/export", params={"custom": "nope:1"}, headers=book.headers)
        assert unknown.status_code == 422


class TestFacets:
    async def test_tags_and_industries_with_counts_of_this_tenant_only(
        self, client: httpx.AsyncClient, book: Actor, make_actor: MakeActor, make_customer: MakeCustomer
    ) -> None:
        theirs = await make_actor(Role.staff)
        await make_customer(theirs.tenant, tags=["vip", "their-secret-tag"], industry="espionage")
        viewer = await make_actor(Role.viewer, tenant=book.tenant)
        response = await client.get("/api/v1/customers/facets", headers=viewer.headers)
        assert response.status_code == 200, response.text
        data = response.json()["data"]
        assert data["tags"] == [
            {"value": "food", "count": 2},
            {"value": "vip", "count": 2},
            {"value": "health", "count": 1},
        ]
        assert data["industries"] == [
            {"value": "restaurant", "count": 2},
            {"value": "dental", "count": 1},
            {"value": "plumbing", "count": 1},
            {"value": "roofing", "count": 1},
        ]
        assert "their-secret-tag" not in response.text and "espionage" not in response.text
        mine = (await client.get("/api/v1/customers/facets", headers=theirs.headers)).json()["data"]
        assert mine == {
            "tags": [{"value": "their-secret-tag", "count": 1}, {"value": "vip", "count": 1}],
            "industries": [{"value": "espionage", "count": 1}],
        }
