"""customer search beside the policies: its words in `customer_search_terms`, kept by triggers; no useless GINs

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 16:10:00

Under row-level security a condition whose operator is not LEAKPROOF (pg_trgm's `%>`, LIKE, `@>`) is never an
index condition on a table whose policy applies. 0008's `crm_customers_matching_word` read `customers` as its
owner, which the forced policy binds wherever the owner is not a superuser (the RDS master user): there the
search scanned the tenant's every row. And matching a typo against the whole `search_text` (~90 characters) cost
thousands of word-similarity computations over long strings. This revision keeps each customer's words in
`customer_search_terms`, a table whose policy is enabled but not forced, so its owner (who runs the SECURITY
DEFINER function and the triggers) reads it through its trigram index. `crm_customers_matching(q)` filters by the
bound tenant itself and returns each matching customer with a relevance score; the application role holds no
privilege on the table. The GIN indexes on `customers` (trigram, tags, custom fields) go: no query of the
application could use them, and every write paid for them; so do the tenant_id indexes of `customers` and
`customer_events`, which every other index of theirs leads with.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from fibonacco.migrations.rls import APP_ROLE, enable_tenant_rls
from fibonacco.migrations.triggers import StatementTrigger, create_statement_triggers, drop_statement_triggers

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TRIGGER_PREFIX = "crm_customer_search"

# A word is a run of letters and digits; the text and the query are split by the same expression, here.
_WORDS = "regexp_split_to_table({text}, '[^[:alnum:]]+')"


def _insert_terms(rows: str) -> str:
    """The INSERT of the words of the customers `rows` names (`c`, with any join and condition after it), and of
    the words new to the vocabulary (in order, so that concurrent imports wait for each other instead of
    deadlocking)."""
    return (
        "WITH words AS ("  # noqa: S608 (constants only)
        f" SELECT DISTINCT c.tenant_id, w.term, c.id FROM {rows}"
        f" CROSS JOIN LATERAL {_WORDS.format(text='c.search_text')} AS w(term) WHERE w.term <> ''),"
        " added AS (INSERT INTO customer_search_terms (tenant_id, term, customer_id) SELECT * FROM words)"
        " INSERT INTO customer_search_vocabulary (term) SELECT DISTINCT term FROM words ORDER BY term"
        " ON CONFLICT DO NOTHING"
    )


_RENAMED = "after c JOIN before b ON b.id = c.id AND c.search_text IS DISTINCT FROM b.search_text"


def _forget_words(rows: str) -> str:
    """The DELETE of the vocabulary's words that the customers `rows` names (`c`, with their old `search_text`)
    had and no customer of any tenant has any more: an erased customer's name, phone or e-mail must not stay."""
    return (
        "DELETE FROM customer_search_vocabulary v USING ("  # noqa: S608 (constants only)
        f" SELECT DISTINCT w.term FROM {rows}"
        f" CROSS JOIN LATERAL {_WORDS.format(text='c.search_text')} AS w(term)) gone"
        " WHERE v.term = gone.term AND NOT EXISTS (SELECT FROM customer_search_terms t WHERE t.term = v.term)"
    )


# An import's upsert of 1,000 customers is one statement of their words here, not 1,000. An update rewrites the
# words only of the customers whose `search_text` changed (most updates, e.g. a new last activity, change none).
# The functions cross tenants for their own duration: whether a word is still used is a question about every
# tenant's customers (they act only on the customers their transition tables name, and on words no one has).
_RENAMED_BEFORE = "before c JOIN after a ON a.id = c.id AND a.search_text IS DISTINCT FROM c.search_text"
_TRIGGERS = [
    StatementTrigger("INSERT", _insert_terms("inserted c")),
    StatementTrigger(
        "UPDATE",
        f"DELETE FROM customer_search_terms t USING {_RENAMED} WHERE t.customer_id = c.id; "  # noqa: S608
        + _insert_terms(_RENAMED)
        + "; "
        + _forget_words(_RENAMED_BEFORE),
    ),
    StatementTrigger(
        "DELETE",
        "DELETE FROM customer_search_terms t USING deleted d WHERE t.customer_id = d.id; "  # noqa: S608
        + _forget_words("deleted c"),
    ),
]

# pg_trgm's default word-similarity threshold (0.6) refuses one typo in a five-letter word ("belaa" against
# "bella" scores 0.5). Every word of the query must match a word of the customer, as a substring or fuzzily; the
# score is the sum of each query word's best similarity, for the relevance order. Two steps, each a query of its
# own so that the second is planned knowing the first's few rows (guessed, they were thousands, and a scan of the
# tenant's every word looked cheaper than one look-up per word): the words like each query word, from the
# vocabulary's trigram index; then the tenant's customers with those words, from the terms' primary key.
_MATCHING = f"""
CREATE FUNCTION crm_customers_matching(q text) RETURNS TABLE (customer_id uuid, score real)
LANGUAGE plpgsql SECURITY DEFINER STABLE ROWS 100
SET search_path = pg_catalog, public
SET pg_trgm.word_similarity_threshold = 0.5
SET plan_cache_mode = force_custom_plan
AS $$
DECLARE
    words text[] := ARRAY(SELECT DISTINCT w FROM {_WORDS.format(text="lower(q)")} AS w WHERE w <> '');
    asked text[];
    alike text[];
    similarity real[];
BEGIN
    SELECT array_agg(w.word), array_agg(v.term), array_agg(word_similarity(w.word, v.term))
    INTO asked, alike, similarity
    FROM unnest(words) AS w(word)
    JOIN customer_search_vocabulary v ON v.term LIKE '%' || w.word || '%' OR v.term %> w.word;
    IF cardinality(words) = 0 OR (SELECT count(DISTINCT a) FROM unnest(asked) AS a) < cardinality(words) THEN
        RETURN;  -- a word like nothing: nobody matches them all
    END IF;
    RETURN QUERY
    SELECT best.customer_id, sum(best.similarity)::real
    FROM (
        SELECT a.word, t.customer_id, max(a.similarity) AS similarity
        FROM unnest(asked, alike, similarity) AS a(word, term, similarity)
        JOIN customer_search_terms t
          ON t.tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid AND t.term = a.term
        GROUP BY a.word, t.customer_id
    ) best
    GROUP BY best.customer_id
    HAVING count(*) = cardinality(words);
END
$$
"""  # noqa: S608 (constants only)


def upgrade() -> None:
    op.create_table(
        "customer_search_terms",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("term", sa.Text(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "term", "customer_id", name=op.f("pk_customer_search_terms")),
    )
    op.create_index("ix_customer_search_terms_customer", "customer_search_terms", ["customer_id"], unique=False)
    op.create_table(
        "customer_search_vocabulary",
        sa.Column("term", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("term", name=op.f("pk_customer_search_vocabulary")),
    )
    # Run by the owner, who the forced policy on `customers` binds (unless a superuser): cross to copy them all.
    op.execute("SELECT set_config('app.cross_tenant', 'on', true)")
    op.execute(_insert_terms("customers c"))
    op.create_index(
        "ix_customer_search_vocabulary_trgm",
        "customer_search_vocabulary",
        ["term"],
        unique=False,
        postgresql_using="gin",
        postgresql_ops={"term": "gin_trgm_ops"},
    )
    # The terms are tenant rows like any other (the function reads them with LEAKPROOF conditions only, so the
    # forced policy costs it no index). The vocabulary has no tenant and no policy: it says only which words exist,
    # to the function, which answers for one tenant. 0005's default privileges granted both to the application
    # role; only the owner's functions touch them.
    enable_tenant_rls("customer_search_terms")
    op.execute(f"REVOKE ALL ON customer_search_terms, customer_search_vocabulary FROM {APP_ROLE}")
    create_statement_triggers("customers", _TRIGGER_PREFIX, _TRIGGERS, security_definer=True, crossing=True)
    op.execute(_MATCHING)
    op.execute("REVOKE ALL ON FUNCTION crm_customers_matching(text) FROM PUBLIC")
    op.execute(f"GRANT EXECUTE ON FUNCTION crm_customers_matching(text) TO {APP_ROLE}")
    op.execute("DROP FUNCTION crm_customers_matching_word(text, text)")
    op.drop_index("ix_customers_search_text_trgm", table_name="customers")
    op.drop_index("ix_customers_tags", table_name="customers")
    op.drop_index("ix_customers_custom_fields", table_name="customers")
    # The consent filter's semi-join needs only the customer id: from the index alone.
    op.drop_index("ix_customer_consents_tenant_channel_status", table_name="customer_consents")
    op.create_index(
        "ix_customer_consents_tenant_channel_status",
        "customer_consents",
        ["tenant_id", "channel", "status"],
        unique=False,
        postgresql_include=["customer_id"],
    )
    # Every other index of these two tables leads with tenant_id.
    op.drop_index("ix_customers_tenant_id", table_name="customers")
    op.drop_index("ix_customer_events_tenant_id", table_name="customer_events")


def downgrade() -> None:
    op.drop_index("ix_customer_consents_tenant_channel_status", table_name="customer_consents")
    op.create_index(
        "ix_customer_consents_tenant_channel_status",
        "customer_consents",
        ["tenant_id", "channel", "status"],
        unique=False,
    )
    op.create_index("ix_customer_events_tenant_id", "customer_events", ["tenant_id"], unique=False)
    op.create_index("ix_customers_tenant_id", "customers", ["tenant_id"], unique=False)
    op.create_index(
        "ix_customers_custom_fields",
        "customers",
        ["custom_fields"],
        unique=False,
        postgresql_using="gin",
        postgresql_ops={"custom_fields": "jsonb_path_ops"},
    )
    op.create_index("ix_customers_tags", "customers", ["tags"], unique=False, postgresql_using="gin")
    op.create_index(
        "ix_customers_search_text_trgm",
        "customers",
        ["search_text"],
        unique=False,
        postgresql_using="gin",
        postgresql_ops={"search_text": "gin_trgm_ops"},
    )
    op.execute(
        """
        CREATE FUNCTION crm_customers_matching_word(pattern text, word text) RETURNS SETOF uuid
        LANGUAGE sql STABLE SECURITY DEFINER
        SET search_path = pg_catalog, public
        AS $$
            SELECT id FROM customers
            WHERE tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid
              AND (search_text ILIKE pattern OR search_text %> word)
        $$
        """
    )
    op.execute("REVOKE ALL ON FUNCTION crm_customers_matching_word(text, text) FROM PUBLIC")
    op.execute(f"GRANT EXECUTE ON FUNCTION crm_customers_matching_word(text, text) TO {APP_ROLE}")
    op.execute("DROP FUNCTION crm_customers_matching(text)")
    drop_statement_triggers("customers", _TRIGGER_PREFIX, _TRIGGERS)
    op.drop_table("customer_search_vocabulary")
    op.drop_table("customer_search_terms")
