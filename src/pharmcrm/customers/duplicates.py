"""The duplicate check (查重, against 撞单): who already has this customer?

What matches (the exact rules are in ``customers.duplicate_keys``): the same unified social
credit code, the same ``name_key`` or the same ``phone_key``. Candidates are every customer
that was not merged into another one — including the recycle bin (a deleted customer can be
restored by its owner, and would then be a duplicate) and the public pool (the rep should
claim it instead of creating it again).

What a match reveals: on which criteria it matched, its owner's full name and the owner's
department name (公海 and the pool's department for a pool customer) — nothing else, unless
the actor can see the matched customer, in which case its id and name come along so the UI can
link to it. ``ref`` is an opaque handle (an HMAC of actor and customer, not reversible) that
``customers.conflicts.conflict_raise`` accepts to name the match without its id.

Every check is a few indexed equality look-ups (``cust_credit_idx``, ``cust_name_key_idx``,
``cust_phone_key_idx``) plus one visibility query for the matched ids, whatever the size of
the customer table. ``duplicate_check_batch`` checks many rows (an import) with a number of
queries that depends only on ``len(rows) / BATCH_CHUNK``, and reports duplicates within the
batch as well.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Q
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from pharmcrm.core.errors import ApplicationError
from pharmcrm.core.validators import normalise_credit_code
from pharmcrm.customers.duplicate_keys import name_key, phone_key
from pharmcrm.customers.models import Customer
from pharmcrm.org import visibility
from pharmcrm.org.models import User

CRITERIA = ("credit_code", "name", "phone")
MAX_MATCHES = 20
BATCH_CHUNK = 500
POOL_OWNER = "公海"


@dataclass(frozen=True)
class Keys:
    credit_code: str = ""
    name: str = ""
    phone: str = ""

    @classmethod
    def of(cls, *, name: str | None = "", credit_code: str | None = "", phone: str | None = "") -> Keys:
        return cls(normalise_credit_code(credit_code or ""), name_key(name or ""), phone_key(phone or ""))

    def matched_on(self, customer: Customer) -> tuple[str, ...]:
        return tuple(c for c in CRITERIA if getattr(self, c) and getattr(self, c) == _stored(customer, c))

    def query(self) -> Q | None:
        q = Q()
        if self.credit_code:
            q |= Q(credit_code=self.credit_code)
        if self.name:
            q |= Q(name_key=self.name)
        if self.phone:
            q |= Q(phone_key=self.phone)
        return q or None


def _stored(customer: Customer, criterion: str) -> str:
    return {"credit_code": customer.credit_code, "name": customer.name_key, "phone": customer.phone_key}[criterion]


@dataclass(frozen=True)
class DuplicateMatch:
    """One existing customer (or, in a batch, another row) that a candidate duplicates."""

    matched_on: tuple[str, ...]
    owner: str = ""  # the owner's full name, or 公海
    department: str = ""  # the owner's department (the pool's department for a pool customer)
    in_pool: bool = False
    ref: str = ""  # opaque handle for conflict_raise; empty for a row of the same batch
    customer_id: int | None = None  # only when the actor can see the customer
    customer_name: str | None = None  # only when the actor can see the customer
    deleted: bool | None = None  # in the recycle bin (only when the actor can see the customer)
    own: bool = False  # the actor owns the matched customer
    row: int | None = None  # duplicate_check_batch: another row of the same batch

    @property
    def visible(self) -> bool:
        return self.customer_id is not None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"matched_on": list(self.matched_on)}
        if self.row is not None:
            out["row"] = self.row
            return out
        out.update({"owner": self.owner, "department": self.department, "in_pool": self.in_pool, "ref": self.ref})
        if self.visible:
            out.update({"customer_id": self.customer_id, "customer_name": self.customer_name,
                        "deleted": bool(self.deleted), "own": self.own})
        return out


def match_ref(actor: User, customer_id: int) -> str:
    return salted_hmac("pharmcrm.duplicates.match", f"{actor.pk}:{customer_id}").hexdigest()[:24]


class DuplicateError(ApplicationError):
    """``ApplicationError(code="duplicate")`` that carries the matches (the API adds them to the body)."""

    def __init__(self, matches: Sequence[DuplicateMatch]):
        self.matches = list(matches)
        first = self.matches[0]
        if first.in_pool:
            message = _("This customer is already in the public pool (%(department)s): claim it instead of "
                        "creating it again.") % {"department": first.department or POOL_OWNER}
        else:
            message = _("This customer already exists: owner %(owner)s (%(department)s). If it should be yours, "
                        "raise a conflict.") % {"owner": first.owner, "department": first.department or "—"}
        on = {c for m in self.matches for c in m.matched_on}
        messages = {
            "credit_code": _("Another customer has this credit code."),
            "name": _("Another customer has the same name."),
            "phone": _("Another customer has this phone number."),
        }
        super().__init__(message, code="duplicate", fields={c: [messages[c]] for c in CRITERIA if c in on})

    def api_extra(self) -> dict[str, Any]:
        return {"matches": [m.as_dict() for m in self.matches]}


# --- keys ----------------------------------------------------------------------------------

def set_keys(customer: Customer) -> None:
    """Write ``name_key``/``phone_key`` from the name and phone (the services call this)."""
    customer.name_key = name_key(customer.name)
    customer.phone_key = phone_key(customer.phone)


def rekey_customers(model=Customer, *, batch: int = 2000) -> int:
    """Recompute every customer's keys (migration backfill, ``manage.py customers_rekey``).
    Returns how many rows changed."""
    changed, last = 0, 0
    while True:
        rows = list(model.objects.filter(pk__gt=last).order_by("pk")
                    .values_list("pk", "name", "phone", "name_key", "phone_key")[:batch])
        if not rows:
            return changed
        last = rows[-1][0]
        stale = []
        for pk, name, phone, nk, pk_ in rows:
            new = (name_key(name), phone_key(phone))
            if new != (nk, pk_):
                stale.append(model(pk=pk, name_key=new[0], phone_key=new[1]))
        if stale:
            model.objects.bulk_update(stale, ["name_key", "phone_key"], batch_size=500)
            changed += len(stale)


# --- finding -------------------------------------------------------------------------------

def _candidates():
    return Customer.objects.filter(merged_into__isnull=True).select_related(
        "owner", "owner_department", "pool_department"
    )


def _describe(actor: User, customer: Customer, matched_on: tuple[str, ...], visible: set[int]) -> DuplicateMatch:
    in_pool = customer.owner_id is None
    if in_pool:
        owner, department = POOL_OWNER, customer.pool_department.name if customer.pool_department_id else ""
    else:
        owner = customer.owner.full_name or customer.owner.username
        department = customer.owner_department.name if customer.owner_department_id else ""
    shown = customer.pk in visible
    return DuplicateMatch(
        matched_on=matched_on, owner=owner, department=department, in_pool=in_pool,
        ref=match_ref(actor, customer.pk),
        customer_id=customer.pk if shown else None,
        customer_name=customer.name if shown else None,
        deleted=customer.deleted_at is not None if shown else None,
        own=customer.owner_id == actor.pk,
    )


def _visible_ids(actor: User, ids: Iterable[int]) -> set[int]:
    ids = sorted(set(ids))
    out: set[int] = set()
    for start in range(0, len(ids), BATCH_CHUNK):
        chunk = ids[start:start + BATCH_CHUNK]
        out.update(visibility.visible_customers(actor, include_deleted=True).filter(pk__in=chunk)
                   .values_list("pk", flat=True))
    return out


def _rank(match: DuplicateMatch) -> tuple:
    # strongest first: more criteria, then credit code > name > phone
    return (-len(match.matched_on), [CRITERIA.index(c) for c in match.matched_on])


def _find(*, actor: User, keys: Keys, exclude_id: int | None = None,
          owned_only: bool = False) -> list[tuple[Customer, DuplicateMatch]]:
    q = keys.query()
    if q is None:
        return []
    qs = _candidates().filter(q)
    if exclude_id is not None:
        qs = qs.exclude(pk=exclude_id)
    if owned_only:
        qs = qs.filter(owner__isnull=False)
    found = list(qs.order_by("pk")[:MAX_MATCHES])
    if not found:
        return []
    visible = _visible_ids(actor, (c.pk for c in found))
    pairs = [(c, _describe(actor, c, keys.matched_on(c), visible)) for c in found]
    return sorted(pairs, key=lambda pair: _rank(pair[1]))


def find_by_keys(*, actor: User, keys: Keys, exclude_id: int | None = None,
                 owned_only: bool = False) -> list[DuplicateMatch]:
    return [m for _c, m in _find(actor=actor, keys=keys, exclude_id=exclude_id, owned_only=owned_only)]


def duplicate_find(
    *, actor: User, name: str = "", credit_code: str = "", phone: str = "", exclude_id: int | None = None,
) -> list[DuplicateMatch]:
    """Existing customers that a customer with these values would duplicate (strongest first)."""
    return find_by_keys(actor=actor, keys=Keys.of(name=name, credit_code=credit_code, phone=phone),
                        exclude_id=exclude_id)


def duplicate_check(
    *, actor: User, name: str = "", credit_code: str = "", phone: str = "", exclude_id: int | None = None,
) -> None:
    """``duplicate_find`` that raises ``DuplicateError`` (code "duplicate") when anything matches."""
    matches = duplicate_find(actor=actor, name=name, credit_code=credit_code, phone=phone, exclude_id=exclude_id)
    if matches:
        raise DuplicateError(matches)


def duplicate_check_customer(*, actor: User, customer: Customer, criteria: Iterable[str] = CRITERIA) -> None:
    """Block ``customer`` (saved or not; its keys already set) if it duplicates another customer on
    any of ``criteria`` (customer_update passes only the criteria whose value changed)."""
    criteria = set(criteria)
    keys = Keys(
        credit_code=customer.credit_code if "credit_code" in criteria else "",
        name=customer.name_key if "name" in criteria else "",
        phone=customer.phone_key if "phone" in criteria else "",
    )
    matches = find_by_keys(actor=actor, keys=keys, exclude_id=customer.pk)
    if matches:
        raise DuplicateError(matches)


def duplicate_check_claim(*, actor: User, customer: Customer) -> None:
    """For the public pool's claim: refuse to give ``actor`` a pool customer that duplicates a
    customer somebody owns (other pool customers do not block a claim)."""
    keys = Keys(credit_code=customer.credit_code, name=customer.name_key, phone=customer.phone_key)
    matches = find_by_keys(actor=actor, keys=keys, exclude_id=customer.pk, owned_only=True)
    if matches:
        raise DuplicateError(matches)


# --- many rows at once (import) ------------------------------------------------------------

MATCH_CHUNK = 2000  # rows per look-up query (3 x 2,000 parameters at most: within SQLite's limit)


def _matching_ids(keys: Sequence[Keys]) -> list[int]:
    """Ids of the candidates that share a key with any of ``keys``: plain SQL over the three
    indexed columns (the ORM prepares each of 300,000 values of a big import one by one)."""
    table = connection.ops.quote_name(Customer._meta.db_table)
    out: set[int] = set()
    with connection.cursor() as cursor:
        for start in range(0, len(keys), MATCH_CHUNK):
            chunk = keys[start:start + MATCH_CHUNK]
            where, params = [], []
            for c, column in (("credit_code", "credit_code"), ("name", "name_key"), ("phone", "phone_key")):
                values = sorted({getattr(k, c) for k in chunk if getattr(k, c)})
                if values:
                    where.append(f"{column} IN ({', '.join(['%s'] * len(values))})")
                    params.extend(values)
            if where:
                cursor.execute(f"SELECT id FROM {table} WHERE merged_into_id IS NULL AND ({' OR '.join(where)})",
                               params)
                out.update(r[0] for r in cursor.fetchall())
    return sorted(out)


def duplicate_check_batch(*, actor: User, rows: Sequence[Mapping[str, Any]]) -> list[list[DuplicateMatch]]:
    """For each row ({"name", "credit_code", "phone"}, or its ``Keys`` already computed as "keys";
    optional "exclude_id" for a row that updates that customer) the existing customers it duplicates, then the other rows of the batch that
    share a key with it (``DuplicateMatch.row``, earlier and later rows alike).

    Queries: ``ceil(n / MATCH_CHUNK)`` look-ups, then ``2 * ceil(m / BATCH_CHUNK)`` for the m customers
    found (the customers, then visibility), whatever n.
    """
    keys = [r["keys"] if r.get("keys") is not None
            else Keys.of(name=r.get("name"), credit_code=r.get("credit_code"), phone=r.get("phone")) for r in rows]
    within: dict[str, dict[str, list[int]]] = {c: defaultdict(list) for c in CRITERIA}
    by_credit, by_name, by_phone = within["credit_code"], within["name"], within["phone"]
    for i, k in enumerate(keys):
        if k.credit_code:
            by_credit[k.credit_code].append(i)
        if k.name:
            by_name[k.name].append(i)
        if k.phone:
            by_phone[k.phone].append(i)
    found: dict[int, Customer] = {}
    ids = _matching_ids(keys)
    for start in range(0, len(ids), BATCH_CHUNK):
        found.update((c.pk, c) for c in _candidates().filter(pk__in=ids[start:start + BATCH_CHUNK]))
    existing: dict[str, dict[str, list[int]]] = {c: defaultdict(list) for c in CRITERIA}
    for c in found.values():
        for criterion in CRITERIA:
            value = _stored(c, criterion)
            if value:
                existing[criterion][value].append(c.pk)
    visible = _visible_ids(actor, found)
    out: list[list[DuplicateMatch]] = []
    ex_credit, ex_name, ex_phone = existing["credit_code"], existing["name"], existing["phone"]
    for i, (row, k) in enumerate(zip(rows, keys, strict=True)):
        cc, nk, pk = k.credit_code, k.name, k.phone
        if ((not cc or (cc not in ex_credit and len(by_credit[cc]) == 1))
                and (not nk or (nk not in ex_name and len(by_name[nk]) == 1))
                and (not pk or (pk not in ex_phone and len(by_phone[pk]) == 1))):
            out.append([])  # the usual case: nothing shares a key with this row
            continue
        pairs = [(c, getattr(k, c)) for c in CRITERIA]
        hits: dict[int, list[str]] = defaultdict(list)
        peers: dict[int, list[str]] = defaultdict(list)
        for c, value in pairs:
            if not value:
                continue
            for cid in existing[c].get(value, []):
                if cid != row.get("exclude_id"):
                    hits[cid].append(c)
            for j in within[c].get(value, []):
                if j != i:
                    peers[j].append(c)
        matches = [_describe(actor, found[cid], tuple(on), visible) for cid, on in sorted(hits.items())]
        matches.sort(key=_rank)
        matches += [DuplicateMatch(matched_on=tuple(on), row=j) for j, on in sorted(peers.items())]
        out.append(matches[: MAX_MATCHES + len(peers)])
    return out


def match_by_ref(*, actor: User, ref: str, name: str = "", credit_code: str = "", phone: str = "",
                 exclude_id: int | None = None) -> tuple[Customer, DuplicateMatch] | None:
    """The matched customer behind ``ref`` if these values still match it (for conflict_raise)."""
    keys = Keys.of(name=name, credit_code=credit_code, phone=phone)
    for customer, match in _find(actor=actor, keys=keys, exclude_id=exclude_id):
        if match.ref == ref:
            return customer, match
    return None
