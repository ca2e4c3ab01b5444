"""Customer search through the bigram index (PostgreSQL, migration 0008): the same results as the
plain substring test, for random names (Chinese, pinyin, digits, punctuation) and 1-3 character terms.

On SQLite there is no bigram path (``selectors.BIGRAM_SEARCH`` is false): the search is the plain
substring test, covered by test_services.py; these tests run on PostgreSQL only."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from hypothesis import given, settings
from hypothesis import strategies as st

from pharmcrm.core.pinyin import normalise
from pharmcrm.customers import selectors
from pharmcrm.customers.models import Customer
from pharmcrm.org.models import User
from tests.factories import make_customer

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the bigram index exists on PostgreSQL only"),
]

# A small alphabet, so that random names and terms share characters and bigrams often.
HANZI = "康泰医药有限公司上海北京同仁堂大房中行重庆"
ALPHABET = HANZI + "abgkmtxyz0189-|（）·"
names_st = st.lists(st.text(alphabet=ALPHABET, min_size=1, max_size=12).filter(str.strip), min_size=1, max_size=8)
term_st = st.text(alphabet=ALPHABET + "KT%_ ", min_size=1, max_size=3)


def sql_bigrams(text: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT crm_bigrams(%s)", [text])
        return cursor.fetchone()[0]


def with_index(q: str) -> set[int]:
    """Through the bigram index for 2 characters, as a user who sees many customers would search."""
    term = normalise(q)
    qs = selectors.bigram_search(Customer.objects.all(), term) if len(term) == 2 else selectors._search(
        Customer.objects.all(), q)
    return set(qs.values_list("pk", flat=True))


def without_index(q: str) -> set[int]:
    return set(Customer.objects.filter(search_text__contains=normalise(q)).values_list("pk", flat=True))


@settings(max_examples=60)
@given(names=names_st, terms=st.lists(term_st, min_size=1, max_size=6))
def test_same_results_with_and_without_the_bigram_index(org, names, terms):
    Customer.objects.all().delete()
    customers = [make_customer(org.rep_pd1, name=n) for n in names]
    Customer.objects.filter(pk=customers[0].pk).update(deleted_at="2026-01-01T00:00:00Z")  # off the partial index
    for q in terms + [n[i:i + k] for n in names for k in (1, 2, 3) for i in range(0, max(len(n) - k, 0) + 1, 3)]:
        term = normalise(q)
        expected = {c.pk for c in customers if term in c.search_text} if term else {c.pk for c in customers}
        assert with_index(q) == without_index(q) == expected, q


def list_sql(actor, q: str) -> str:
    return str(selectors.customer_list(actor=User.objects.get(pk=actor.pk),
                                       filters=selectors.CustomerFilters(q=q)).query)


def test_who_searches_through_the_bigram_index(org, monkeypatch):
    a = make_customer(org.rep_pd1, name="上海康泰医药有限公司")
    make_customer(org.rep_pd1, name="北京同仁堂")
    assert "crm_bigrams" in list_sql(org.admin, "康泰")  # sees many
    assert "crm_bigrams" not in list_sql(org.admin, "康")  # 1 character: LIKE only
    assert "crm_bigrams" not in list_sql(org.admin, "康泰医")  # 3: the trigram index
    assert "crm_bigrams" not in list_sql(org.rep_pd1, "康泰")  # sees few: their own index
    assert "crm_bigrams" not in list_sql(org.pd_head, "康泰")  # a head of a small subtree too
    monkeypatch.setattr(selectors, "WIDE_VOLUME", 1)
    cache.clear()
    assert "crm_bigrams" in list_sql(org.pd_head, "康泰")
    monkeypatch.setattr(selectors, "bigram_frequencies", lambda: {"康泰": 0.5})
    assert "crm_bigrams" not in list_sql(org.admin, "康泰")  # a common bigram: the sort index
    monkeypatch.undo()
    for q in ("康泰", "kt", "KT", "康泰医药", "kangtai"):
        assert set(selectors.customer_list(actor=User.objects.get(pk=org.admin.pk),
                                           filters=selectors.CustomerFilters(q=q)).values_list("pk", flat=True)) == {a.pk}
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'cust_search_bigram_idx'")
        assert "crm_bigrams(search_text)" in cursor.fetchone()[0]


def test_bigram_frequencies_come_from_the_statistics(org):
    for i in range(30):
        make_customer(org.rep_pd1, name=f"康泰{i}号")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE customers_customer")
    freqs = selectors.bigram_frequencies()
    assert freqs.get("康泰", 0) > 0.9 and "泰康" not in freqs


@settings(max_examples=200)
@given(text=st.text(alphabet=ALPHABET + " ab", max_size=40))
def test_crm_bigrams_holds_every_bigram_without_whitespace(db, text):
    got = set(sql_bigrams(text))
    wanted = {text[i:i + 2] for i in range(len(text) - 1) if " " not in text[i:i + 2]}
    assert wanted <= got
    # and nothing else of two characters: no false bigram
    assert {b for b in got if len(b) == 2} <= {text[i:i + 2] for i in range(len(text) - 1)}
    assert all(len(b) in (1, 2) for b in got)
