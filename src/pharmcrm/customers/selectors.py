"""The only readers of customers. Every read starts from the visibility rule."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import F, Lookup, Q, QuerySet
from django.utils.translation import gettext as _

from pharmcrm.core.errors import NotFound
from pharmcrm.core.pinyin import normalise
from pharmcrm.core.regions import region_prefix
from pharmcrm.core.validators import normalise_credit_code, validate_credit_code
from pharmcrm.customers.models import Customer, CustomerShare, TransferLog
from pharmcrm.org import visibility
from pharmcrm.org.models import User

SORTS = {
    "recent": ("-updated_at", "-id"),
    "-recent": ("updated_at", "id"),
    "name": ("name", "id"),
    "-name": ("-name", "-id"),
    "created": ("created_at", "id"),
    "-created": ("-created_at", "-id"),
    "status": ("status", "-updated_at", "-id"),
    "-status": ("-status", "-updated_at", "-id"),
    "owner": ("owner__full_name", "-updated_at", "-id"),
    "-owner": ("-owner__full_name", "-updated_at", "-id"),
}
DEFAULT_SORT = "recent"


@dataclass(frozen=True)
class CustomerFilters:
    q: str = ""
    owner_id: int | None = None
    department_id: int | None = None
    status: str = ""
    type: str = ""
    grade: str = ""
    region: str = ""  # a region code: customers anywhere inside it (330000 = all of 浙江)
    sort: str = DEFAULT_SORT
    pool: bool | None = False  # False: owned customers; True: the public pool only; None: both


class _HasBigrams(Lookup):
    """``crm_bigrams(lhs) @> rhs`` (PostgreSQL, migration 0008): every bigram of the term is a
    bigram of the text, served by the GIN index ``cust_search_bigram_idx``: a necessary
    condition of ``lhs LIKE '%term%'``, and for a 2-character term a sufficient one."""

    lookup_name = "pharmcrm_has_bigrams"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f'(crm_bigrams({lhs}) COLLATE "C") @> %s::text[]', [*lhs_params, list(self.rhs)]


class _Contains(Lookup):
    """``strpos(lhs, rhs) <> 0``: the substring test, as exact as ``LIKE '%rhs%'`` (nothing to
    escape) but estimated by the planner as almost always true (``<>``), so the estimate of a
    search comes from the bigram statistics alone (see ``_search``)."""

    lookup_name = "pharmcrm_contains"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"strpos({lhs}, %s) <> 0", [*lhs_params, self.rhs]


# On PostgreSQL, 2-character terms go through the bigram index (3 and more: the trigram index,
# 0003; 1 character: no index, the sort index is walked until a page is found) when the user
# sees many customers and the bigram is not common; see ``_search``.
BIGRAM_SEARCH = connection.vendor == "postgresql"
WIDE_VOLUME = 5000  # a head whose subtree owns more customers than this "sees many"
COMMON_BIGRAM = 0.2  # a bigram in this share of the names or more is "common"
_CACHE_SECONDS = 600


def _sees_many(user: User) -> bool:
    """Whether ``user`` sees more than ``WIDE_VOLUME`` customers (roughly: administrators, and
    heads by what their subtree owns; cached, used only to pick a plan)."""
    if user.is_admin:
        return True
    heads = user.headed_department_ids
    if not heads:
        return False
    key = f"cust-wide:{user.pk}:{','.join(map(str, sorted(heads)))}"
    value = cache.get(key)
    if value is None:
        value = Customer.objects.filter(
            deleted_at__isnull=True, owner_department_id__in=visibility.subtree_department_ids(user)
        ).order_by()[: WIDE_VOLUME + 1].count() > WIDE_VOLUME
        cache.set(key, value, _CACHE_SECONDS)
    return value


def bigram_frequencies() -> dict[str, float]:
    """The share of customers whose search text holds each common bigram: the planner's own
    statistics (``cust_search_bigram_stat``, migration 0008; refreshed by ANALYZE), cached."""
    value = cache.get("cust-bigram-freqs")
    if value is None:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT t.e, t.f FROM pg_stats_ext_exprs s, "
                "unnest(s.most_common_elems::text::text[], s.most_common_elem_freqs) AS t(e, f) "
                "WHERE s.statistics_name = 'cust_search_bigram_stat' AND t.e IS NOT NULL"
            )
            value = dict(cursor.fetchall())
        cache.set("cust-bigram-freqs", value, _CACHE_SECONDS)
    return value


def bigram_search(qs: QuerySet, term: str) -> QuerySet:
    """``qs`` filtered on ``term`` (2 characters, normalised) through the bigram index: the same
    rows as ``search_text__contains=term``.

    The index test alone is exact for 2 characters (the array holds every bigram of the text
    without whitespace, and a term has none), but evaluating it on a row costs ~0.2 ms: should
    the planner walk another index instead, the cheap substring test runs first and rules out
    most rows. That test is not a LIKE: the estimate of LIKE '%kt%' multiplied with the
    bigram's made the planner expect 3 rows for 858 and join the page with nested loops."""
    return qs.filter(Q(_HasBigrams(F("search_text"), [term])), Q(_Contains(F("search_text"), term)))


def _search(qs: QuerySet, q: str, *, actor: User | None = None) -> QuerySet:
    term = normalise(q)
    if not term:
        return qs
    code = normalise_credit_code(q)
    if _is_credit_code(code):
        return qs.filter(credit_code=code)
    # (an 18-letter pinyin such as "beijingtongrentang" is a name, not a credit code)
    if (
        BIGRAM_SEARCH and len(term) == 2 and actor is not None and _sees_many(actor)
        and bigram_frequencies().get(term, 0.0) < COMMON_BIGRAM
    ):
        # A LIKE '%..%' cannot use the trigram index: PostgreSQL would walk the sort index
        # filtering every row for a rare term (66-124 ms for the regional and top heads at
        # 100,000). For a user who sees few customers, their own index is as fast; for a common
        # bigram, the walk finds a page (and the capped count 10,001 rows) quickly.
        return bigram_search(qs, term)
    return qs.filter(search_text__contains=term)


def _is_credit_code(code: str) -> bool:
    try:
        validate_credit_code(code)
    except ValidationError:
        return False
    return True


def customer_list(*, actor: User, filters: CustomerFilters | None = None) -> QuerySet:
    f = filters or CustomerFilters()
    qs = visibility.visible_customers(actor, pool=f.pool)
    qs = _search(qs, f.q, actor=actor)
    if f.owner_id:
        qs = qs.filter(owner_id=f.owner_id)
    if f.department_id:
        from pharmcrm.org.models import DepartmentClosure

        qs = qs.filter(
            owner_department_id__in=DepartmentClosure.objects.filter(ancestor_id=f.department_id).values(
                "descendant_id"
            )
        )
    if f.status:
        qs = qs.filter(status=f.status)
    if f.type:
        qs = qs.filter(type=f.type)
    if f.grade:
        qs = qs.filter(grade=f.grade)
    if f.region:  # containment = code prefix (core.regions.region_contains)
        qs = qs.filter(region_code__startswith=region_prefix(f.region))
    qs = qs.select_related("owner", "owner_department", "pool_department")
    return qs.order_by(*SORTS.get(f.sort, SORTS[DEFAULT_SORT]))


def customer_get(*, actor: User, customer_id: int) -> Customer:
    """The customer, or ``NotFound`` whether it is missing, deleted or invisible to ``actor``.

    The row is read by its key and the rule decided on it (``visibility.customer_rights``,
    kept on the instance for ``customer_permissions``): the same answer as filtering
    ``visible_customers``, without building and running the visibility query for one row."""
    customer = (
        Customer.objects.select_related("owner", "owner_department", "created_by", "pool_department")
        .filter(pk=customer_id, deleted_at__isnull=True)
        .first()
    )
    if customer is None or not _rights(actor, customer).read:
        raise NotFound(_("Customer not found."))
    return customer


def _rights(actor: User, customer: Customer) -> visibility.Rights:
    # kept for this user object (a request's user; a reloaded user is asked afresh)
    cached = getattr(customer, "_pharmcrm_rights", None)
    if cached is None or cached[0] is not actor:
        cached = (actor, visibility.customer_rights(actor, customer))
        customer._pharmcrm_rights = cached
    return cached[1]


def customer_recycle_bin(*, actor: User) -> QuerySet:
    return (
        visibility.manageable_customers(actor, include_deleted=True)
        .filter(deleted_at__isnull=False, merged_into__isnull=True)  # a merged one lives on in another
        .select_related("owner", "deleted_by", "pool_department")
        .order_by("-deleted_at", "-id")
    )


def customer_shares(*, actor: User, customer_id: int) -> QuerySet:
    customer_get(actor=actor, customer_id=customer_id)
    return CustomerShare.objects.filter(customer_id=customer_id).select_related("user", "group", "created_by")


def customer_permissions(*, actor: User, customer: Customer) -> dict[str, bool]:
    """What ``actor`` may do with ``customer``: exactly ``visibility.can_write``, ``can_manage``
    and ``can_transfer`` (``visibility.customer_rights``: no query when the actor owns the
    customer or heads its department, one over the shares otherwise)."""
    rights = _rights(actor, customer)
    return {"write": rights.write, "manage": rights.manage, "transfer": rights.transfer}


def transfer_logs(*, actor: User) -> QuerySet:
    qs = TransferLog.objects.select_related("actor").order_by("-created_at", "-id")
    if actor.is_admin:
        return qs
    return qs.filter(actor=actor)
