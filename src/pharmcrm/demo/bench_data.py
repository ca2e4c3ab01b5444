"""The benchmark's synthetic company: deterministic, large, and fast to build.

``bench_build(customers=100_000, users=1_000)`` wipes the company tables of the configured
database and writes

* a 6-level department tree (总部 → 大区 → 省区 → 办事处 → 组 → 小组) sized to the number
  of users, with its closure table, plus functional departments (finance, warehouse, ...);
* ~``users`` users named ``bench_...``: one head per sales department (heads also own
  customers), reps in the leaf teams, finance / sales admin / warehouse / tender / service
  staff, one administrator;
* ``customers`` customers spread over the sales people with a skewed (log-normal) weight,
  ~1 % soft-deleted, with realistic names, valid credit codes and the same
  ``search_text`` the services write (``core.pinyin.search_key``);
* share groups and ~2 % of customers shared with users or groups.

Rows are streamed in batches of ``BATCH`` (PostgreSQL: ``COPY``; SQLite: ``executemany``),
so a million customers needs little memory. On PostgreSQL the customer indexes are dropped
during the load and re-created afterwards (much faster than maintaining them row by row).
Everything is drawn from ``random.Random(seed)``: the same arguments give the same company.
"""

from __future__ import annotations

import datetime
import json
import math
import random
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from django.apps import apps
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Count

from pharmcrm.activities.models import FollowUp
from pharmcrm.core.models import AuditEvent
from pharmcrm.core.pinyin import normalise, search_key
from pharmcrm.customers.models import Customer, CustomerShare
from pharmcrm.demo import vocabulary as v
from pharmcrm.org.models import (
    Department,
    DepartmentClosure,
    DepartmentHead,
    Role,
    ShareGroup,
    ShareGroupMember,
    User,
    UserRole,
)

BUILD_VERSION = 5  # bump when the shape of the generated data changes
BATCH = 10_000
USER_PREFIX = "bench_"
META_TABLE = "pharmcrm_bench_meta"
DELETED_SHARE = 0.01
SHARED_SHARE = 0.02
EPOCH = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)  # fixed, so builds are identical

# fmt: off
REGIONS = ("华东", "华南", "华北", "华中", "西南", "西北", "东北", "华西")
PROVINCES = ("江苏", "浙江", "安徽", "山东", "广东", "福建", "广西", "河南", "湖北", "湖南", "四川", "重庆",
             "云南", "陕西", "甘肃", "辽宁", "吉林", "河北", "山西", "江西", "贵州", "海南", "天津", "北京")
FUNCTIONS = (("商务部", Role.SALES_ADMIN, 6), ("财务部", Role.FINANCE, 6), ("仓储物流部", Role.WAREHOUSE, 4),
             ("招投标部", Role.TENDER, 4), ("客服部", Role.SERVICE, 4))
TYPES = (("agent", 35), ("distributor", 10), ("hospital", 18), ("clinic", 12), ("chain", 6), ("pharmacy", 14),
         ("other", 5))
STATUSES = (("prospect", 40), ("active", 35), ("dormant", 15), ("lost", 10))
GRADES = (("A", 15), ("B", 35), ("C", 30), ("", 20))
SOURCES = (("visit", 25), ("referral", 25), ("exhibition", 15), ("website", 10), ("tender", 10),
           ("campaign", 10), ("other", 5))
# fmt: on

# The personas the benchmark measures (stored in the meta row after a build).
PERSONAS = ("rep", "team_head", "regional_head", "top_head", "finance")


@dataclass
class BenchCompany:
    """What a build produced that the measurement needs (persisted as JSON in the meta table)."""

    customers: int
    users: int
    seed: int
    users_requested: int = 0
    version: int = BUILD_VERSION
    personas: dict[str, str] = field(default_factory=dict)  # persona -> username
    departments: int = 0
    shares: int = 0
    followups: int = 0
    seconds: float = 0.0

    def to_json(self) -> str:
        return json.dumps(self.__dict__, ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> BenchCompany:
        return cls(**json.loads(text))


# --- the meta row and the safety check ------------------------------------------------------


def read_meta() -> BenchCompany | None:
    if META_TABLE not in connection.introspection.table_names():
        return None
    with connection.cursor() as cur:
        cur.execute(f"SELECT value FROM {META_TABLE} WHERE name = %s", ["company"])
        row = cur.fetchone()
    return BenchCompany.from_json(row[0]) if row else None


def write_meta(company: BenchCompany | None) -> None:
    with connection.cursor() as cur:
        cur.execute(
            f"CREATE TABLE IF NOT EXISTS {META_TABLE} (name varchar(50) PRIMARY KEY, value text NOT NULL)"
        )
        cur.execute(f"DELETE FROM {META_TABLE}")
        if company is not None:
            cur.execute(
                f"INSERT INTO {META_TABLE} (name, value) VALUES (%s, %s)", ["company", company.to_json()]
            )


def foreign_data() -> str | None:
    """Why this database must not be used by the benchmark, or None if it may.

    The benchmark wipes the company tables. It only ever runs on a database that is empty
    or holds nothing but its own data: every user is named ``bench_...``.
    """
    tables = set(connection.introspection.table_names())
    if User._meta.db_table not in tables:
        return None  # a fresh database
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT COUNT(*) FROM {User._meta.db_table} WHERE username NOT LIKE %s", [USER_PREFIX + "%"]
        )
        others = cur.fetchone()[0]
        if others:
            return f"it has {others} user(s) whose username does not start with {USER_PREFIX!r}"
        if Customer._meta.db_table in tables:
            cur.execute(f"SELECT COUNT(*) FROM {User._meta.db_table}")
            users = cur.fetchone()[0]
            cur.execute(f"SELECT 1 FROM {Customer._meta.db_table} LIMIT 1")
            if cur.fetchone() and not users:
                return "it has customers but no benchmark users"
    return None


# --- wiping ----------------------------------------------------------------------------------


def _company_models() -> list:
    """Users, departments, share groups, customers, audit events, sessions, and every model
    that (transitively) points at one of them: exactly what the benchmark rebuilds."""
    found = {User, Department, ShareGroup, Customer, AuditEvent, Session}
    changed = True
    while changed:
        changed = False
        for model in apps.get_models(include_auto_created=True):
            if model in found or model._meta.proxy or not model._meta.managed:
                continue
            if any(f.is_relation and f.related_model in found for f in model._meta.concrete_fields):
                found.add(model)
                changed = True
    return sorted(found, key=lambda m: m._meta.db_table)


def wipe() -> None:
    tables = [m._meta.db_table for m in _company_models()]
    existing = set(connection.introspection.table_names())
    tables = [t for t in tables if t in existing]
    qn = connection.ops.quote_name
    with transaction.atomic(), connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(f"TRUNCATE {', '.join(qn(t) for t in tables)} RESTART IDENTITY CASCADE")
        else:  # SQLite: foreign keys are deferred until commit, so the order does not matter
            for t in tables:
                cur.execute(f"DELETE FROM {qn(t)}")
            cur.execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_sequence'")
            if cur.fetchone():
                cur.execute(
                    f"DELETE FROM sqlite_sequence WHERE name IN ({', '.join(['%s'] * len(tables))})", tables
                )
    write_meta(None)
    cache.clear()


# --- writing rows fast -----------------------------------------------------------------------


def _columns(model, names: list[str]) -> list[str]:
    return [model._meta.get_field(n).column for n in names]


def _missing_fields(model, names: list[str]) -> tuple[list[str], tuple]:
    """Concrete fields the caller did not give, with their defaults (so new model fields with a
    default or null=True do not break the benchmark)."""
    extra, values = [], []
    for f in model._meta.concrete_fields:
        if f.name in names or f.attname in names or f.primary_key:
            continue
        if f.has_default():
            value = f.get_default()
        elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            value = EPOCH
        elif f.null:
            value = None
        elif f.get_internal_type() in ("CharField", "TextField"):
            value = ""
        else:
            raise RuntimeError(f"crm_bench does not know how to fill {model.__name__}.{f.name}")
        extra.append(f.name)
        values.append(value)
    return extra, tuple(values)


def insert_rows(model, names: list[str], rows: Iterable[tuple], *, batch: int = BATCH) -> int:
    """Stream ``rows`` (tuples in the order of the field ``names``) into ``model``'s table."""
    extra, defaults = _missing_fields(model, names)
    if extra:
        names = [*names, *extra]
        rows = (r + defaults for r in rows)
    table = connection.ops.quote_name(model._meta.db_table)
    cols = ", ".join(connection.ops.quote_name(c) for c in _columns(model, names))
    n = 0
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            raw = cur.cursor
            for chunk in _chunks(rows, batch):
                with raw.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                    for row in chunk:
                        copy.write_row(row)
                n += len(chunk)
        return n
    adapt = _sqlite_adapter(model, names)
    sql = f"INSERT INTO {table} ({cols}) VALUES ({', '.join(['%s'] * len(names))})"
    with connection.cursor() as cur:
        for chunk in _chunks(rows, batch):
            cur.executemany(sql, [adapt(r) for r in chunk])
            n += len(chunk)
    return n


def _sqlite_adapter(model, names: list[str]) -> Callable[[tuple], tuple]:
    datetimes = [
        i for i, n in enumerate(names) if model._meta.get_field(n).get_internal_type() == "DateTimeField"
    ]
    if not datetimes:
        return lambda r: r
    ops = connection.ops

    def adapt(row: tuple) -> tuple:
        row = list(row)
        for i in datetimes:
            row[i] = ops.adapt_datetimefield_value(row[i])
        return tuple(row)

    return adapt


def _chunks(rows: Iterable[tuple], size: int) -> Iterator[list[tuple]]:
    chunk: list[tuple] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _reset_sequences(models: list) -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), models)
    if statements:
        with connection.cursor() as cur:
            for sql in statements:
                cur.execute(sql)


# --- the organisation -----------------------------------------------------------------------


@dataclass
class _Dept:
    id: int
    name: str
    parent: int | None
    level: int
    city: v.City | None = None
    children: list[int] = field(default_factory=list)


@dataclass
class _Person:
    id: int
    username: str
    name: str
    dept: int
    roles: tuple[str, ...]
    heads: int | None = None
    weight: float = 0.0  # share of the customers


def _fanouts(users: int) -> list[int]:
    """Children per level below 总部: each region holds 67 departments (3 provinces x 3 offices
    x 2 teams x 2 squads) and ~200 people, so there are ~3 sales people per department."""
    return [max(1, round((users - 30) / 200)), 3, 3, 2, 2]


def _build_org(rng: random.Random, users: int) -> tuple[list[_Dept], list[_Person]]:
    cities = list(v.CITIES.values())
    depts: list[_Dept] = []

    def add(name: str, parent: _Dept | None, level: int) -> _Dept:
        d = _Dept(len(depts) + 1, name, parent.id if parent else None, level)
        if parent is not None:
            parent.children.append(d.id)
            d.city = parent.city
        depts.append(d)
        return d

    top = add("总部", None, 0)
    frontier = [top]
    for level, fan in enumerate(_fanouts(users), start=1):
        nxt = []
        for parent in frontier:
            for i in range(fan):
                if level == 1:
                    name = f"{REGIONS[i % len(REGIONS)]}大区" + (
                        f"{i // len(REGIONS) + 1}" if i >= len(REGIONS) else ""
                    )
                elif level == 2:
                    name = f"{PROVINCES[(parent.id * 3 + i) % len(PROVINCES)]}省区{i + 1}"
                elif level == 3:
                    city = cities[(parent.id * 7 + i) % len(cities)]
                    name = f"{city.name}办事处{i + 1}"
                elif level == 4:
                    name = f"{parent.name.split('办事处')[0]}{'一二三四五六'[i]}组"
                else:
                    name = f"{parent.name}{i + 1}小组"
                d = add(name, parent, level)
                if level == 3:
                    d.city = city
                nxt.append(d)
        frontier = nxt
    leaves = frontier
    functions = [add(name, top, 1) for name, _, _ in FUNCTIONS]

    people: list[_Person] = []

    def person(dept: _Dept, roles: tuple[str, ...], heads: bool = False, weight: float = 0.0) -> _Person:
        n = len(people) + 1
        p = _Person(
            n, f"{USER_PREFIX}{n:05d}", v.person_name(rng), dept.id, roles, dept.id if heads else None, weight
        )
        people.append(p)
        return p

    person(top, (Role.ADMIN,))
    head_weight = {0: 0.05, 1: 0.1, 2: 0.2, 3: 0.35, 4: 0.5, 5: 0.8}
    sales = [d for d in depts if d.level > 0 and d not in functions] + [top]
    for d in sorted(sales, key=lambda d: d.id):
        person(d, (Role.SALES_REP,), heads=True, weight=head_weight[d.level] * rng.lognormvariate(0, 0.8))
    for f, (_, role, count) in zip(functions, FUNCTIONS, strict=True):
        person(f, (role,), heads=True)
        for _ in range(count - 1):
            person(f, (role,))
    remaining = max(0, users - len(people))
    for i in range(remaining):
        person(leaves[i % len(leaves)], (Role.SALES_REP,), weight=rng.lognormvariate(0, 1.0))
    return depts, people


def _closure(depts: list[_Dept]) -> Iterator[tuple]:
    by_id = {d.id: d for d in depts}
    n = 0
    for d in depts:
        a, depth = d, 0
        while a is not None:
            n += 1
            yield (n, a.id, d.id, depth)
            a = by_id.get(a.parent) if a.parent else None
            depth += 1


# --- customers ------------------------------------------------------------------------------


NAMES_PER_CITY_AND_TYPE = 80  # distinct names per (city, type): realistic, and pinyin keys stay cheap


class _NamePool:
    """Names of customers by (city, type): up to NAMES_PER_CITY_AND_TYPE per pair, each drawn
    once from a generator seeded by the pair (so the order of use does not matter), with
    ``search_key(name, short)`` computed once per name (pypinyin is the slow part of a build)."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.pools: dict[tuple[str, str], tuple[list, Iterator]] = {}

    def draw(self, rng: random.Random, city: v.City, kind: str) -> tuple[str, str, str, list[str]]:
        """(name, short name, credit-code kind or "" for none, search-key pieces)."""
        key = (city.name, kind)
        if key not in self.pools:
            self.pools[key] = ([], self._names(city, kind))
        pool, more = self.pools[key]
        i = rng.randrange(NAMES_PER_CITY_AND_TYPE)
        while len(pool) <= i:
            item = next(more, None)
            if item is None:
                return pool[i % len(pool)]
            pool.append(item)
        return pool[i]

    def _names(self, city: v.City, kind: str) -> Iterator[tuple[str, str, str, list[str]]]:
        rng = random.Random(f"{self.seed}:{city.name}:{kind}")
        seen: set[str] = set()
        for _ in range(NAMES_PER_CITY_AND_TYPE * 3):
            district = rng.choice(city.districts)
            trade = rng.choice(v.TRADE_NAMES)
            short, code_kind = "", "91"
            if kind == "agent" and rng.random() < 0.3:
                name, code_kind = v.person_name(rng), ""
            elif kind == "agent":
                name, short = f"{city.name}{trade}{rng.choice(v.AGENT_COMPANY_SUFFIXES)}", trade + "医药"
            elif kind == "distributor":
                name, short = f"{city.name}{trade}{rng.choice(v.DISTRIBUTOR_SUFFIXES)}", trade + "医药"
            elif kind == "hospital":
                pattern, _ = rng.choice(v.HOSPITAL_PATTERNS)
                name = pattern.format(
                    city=city.name, district=district[0], trade=trade, n=rng.choice("一二三四五六七八九十")
                )
                code_kind = "52" if "{trade}" in pattern else "12"
            elif kind == "clinic":
                name = rng.choice(v.CLINIC_PATTERNS).format(
                    city=city.name, district=district[0], street=rng.choice(v.STREETS), trade=trade
                )
                code_kind = "52"
            elif kind == "chain":
                name, short = f"{city.name}{trade}{rng.choice(v.CHAIN_SUFFIXES)}", trade + "大药房"
            elif kind == "pharmacy":
                name = f"{city.name}{trade}{rng.choice(v.PHARMACY_SUFFIXES)}（{rng.choice(v.STREETS)}店）"
                code_kind = "92"
            else:
                name = f"{city.name}{trade}{rng.choice(v.OTHER_SUFFIXES)}"
            if name not in seen:
                seen.add(name)
                yield name, short, code_kind, search_key(name, short).split("|")


def _search_text(pieces: list[str], code: str, phone: str) -> str:
    """Exactly ``search_key(name, short, code, phone)`` given the pieces of (name, short)."""
    return "|".join(dict.fromkeys(p for p in [*pieces, normalise(code), normalise(phone)] if p))


def _weighted(pairs) -> tuple[list, list[float]]:
    values = [p[0] for p in pairs]
    cum, total = [], 0.0
    for _, w in pairs:
        total += w
        cum.append(total)
    return values, cum


def _customer_rows(
    rng: random.Random,
    n: int,
    owners: list[_Person],
    depts: dict[int, _Dept],
    deleted_ids: set[int],
    seed: int,
) -> Iterator[tuple]:
    names = _NamePool(seed)
    plans = random.Random(f"{seed}:plans")  # its own stream: the other columns stay as they were
    _, owner_cum = _weighted([(p, p.weight) for p in owners])
    types, type_cum = _weighted(TYPES)
    statuses, status_cum = _weighted(STATUSES)
    grades, grade_cum = _weighted(GRADES)
    sources, source_cum = _weighted(SOURCES)
    cities = list(v.CITIES.values())
    span = 3 * 365 * 86400
    for start in range(0, n, BATCH):
        size = min(BATCH, n - start)
        chosen = rng.choices(owners, cum_weights=owner_cum, k=size)
        kinds = rng.choices(types, cum_weights=type_cum, k=size)
        status_col = rng.choices(statuses, cum_weights=status_cum, k=size)
        grade_col = rng.choices(grades, cum_weights=grade_cum, k=size)
        source_col = rng.choices(sources, cum_weights=source_cum, k=size)
        for i in range(size):
            cid = start + i + 1
            owner = chosen[i]
            dept = depts[owner.dept]
            city = dept.city if dept.city and rng.random() < 0.9 else rng.choice(cities)
            district = rng.choice(city.districts)
            name, short, code_kind, pieces = names.draw(rng, city, kinds[i])
            code = v.credit_code(rng, district[1], code_kind) if code_kind else ""
            phone = v.mobile(rng) if not code_kind else v.landline(rng, city)
            created = EPOCH - datetime.timedelta(seconds=rng.randrange(span))
            updated = created + datetime.timedelta(
                seconds=rng.randrange(int((EPOCH - created).total_seconds()) + 1)
            )
            deleted = updated if cid in deleted_ids else None
            yield (
                cid,
                created,
                updated,
                kinds[i],
                name,
                short,
                code,
                district[1],
                v.address(rng, city, district),
                phone,
                status_col[i],
                grade_col[i],
                source_col[i],
                "",
                owner.id,
                owner.dept,
                owner.id,
                _search_text(pieces, code, phone),
                deleted,
                owner.id if deleted else None,
                # My Desktop's follow-up plan for ~60 % of the customers, around the fixed EPOCH: the
                # desktop counts against the real today, so they are all overdue (its worst case)
                (EPOCH.date() + datetime.timedelta(days=plans.randint(-30, 30))) if plans.random() < 0.6 else None,
            )


CUSTOMER_FIELDS = [
    "id",
    "created_at",
    "updated_at",
    "type",
    "name",
    "short_name",
    "credit_code",
    "region_code",
    "address",
    "phone",
    "status",
    "grade",
    "source",
    "notes",
    "owner",
    "owner_department",
    "created_by",
    "search_text",
    "deleted_at",
    "deleted_by",
    "next_followup_on",
]


def _pg_customer_indexes() -> list[tuple[str, str]]:
    """(name, definition) of the customer table's plain indexes (not primary key / constraints)."""
    with connection.cursor() as cur:
        cur.execute(
            """
            SELECT i.relname, pg_get_indexdef(i.oid)
            FROM pg_index x
            JOIN pg_class i ON i.oid = x.indexrelid
            JOIN pg_class t ON t.oid = x.indrelid
            WHERE t.relname = %s AND NOT x.indisprimary
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
            ORDER BY i.relname
            """,
            [Customer._meta.db_table],
        )
        return cur.fetchall()


# --- the build ------------------------------------------------------------------------------


def bench_build(
    *, customers: int = 100_000, users: int = 1_000, seed: int = 1, log: Callable[[str], None] = print
) -> BenchCompany:
    started = time.perf_counter()
    rng = random.Random(seed)
    log(f"Wiping the company tables of the {connection.vendor} database ...")
    wipe()
    depts, people = _build_org(rng, users)
    by_dept = {d.id: d for d in depts}
    now = EPOCH
    log(f"Writing {len(depts)} departments and {len(people)} users ...")
    with transaction.atomic():
        insert_rows(
            Department,
            ["id", "created_at", "updated_at", "name", "parent", "sort_order"],
            ((d.id, now, now, d.name, d.parent, d.id) for d in depts),
        )
        insert_rows(DepartmentClosure, ["id", "ancestor", "descendant", "depth"], _closure(depts))
        insert_rows(
            User,
            [
                "id",
                "password",
                "is_superuser",
                "username",
                "email",
                "is_staff",
                "is_active",
                "date_joined",
                "full_name",
                "department",
                "phone",
                "title",
            ],
            (
                (p.id, "!bench", False, p.username, "", False, True, now, p.name, p.dept, "", "")
                for p in people
            ),
        )
        roles = [(p.id, r) for p in people for r in p.roles]
        insert_rows(UserRole, ["id", "user", "role"], ((i + 1, u, r) for i, (u, r) in enumerate(roles)))
        heads = [p for p in people if p.heads]
        insert_rows(
            DepartmentHead,
            ["id", "department", "user"],
            ((i + 1, p.heads, p.id) for i, p in enumerate(heads)),
        )

        # share groups: project teams of 5-40 people across the company
        sales_people = [p for p in people if Role.SALES_REP in p.roles]
        finance = [p for p in people if Role.FINANCE in p.roles]
        groups = []
        for g in range(max(3, users // 50)):
            members = rng.sample(sales_people, min(len(sales_people), rng.randrange(5, 41)))
            if g % 4 == 0:  # finance people sit in some project groups
                members.append(finance[(g // 4) % len(finance)])
            groups.append((g + 1, f"项目组{g + 1:03d}", sorted({m.id for m in members})))
        insert_rows(
            ShareGroup,
            ["id", "created_at", "updated_at", "name", "description"],
            ((gid, now, now, name, "") for gid, name, _ in groups),
        )
        links = [(gid, uid) for gid, _, members in groups for uid in members]
        insert_rows(
            ShareGroupMember, ["id", "group", "user"], ((i + 1, g, u) for i, (g, u) in enumerate(links))
        )

    owners = [p for p in people if p.weight > 0]
    deleted_ids = set(rng.sample(range(1, customers + 1), int(customers * DELETED_SHARE)))
    indexes = _pg_customer_indexes() if connection.vendor == "postgresql" else []
    log(f"Writing {customers:,} customers in batches of {BATCH:,} ...")
    t = time.perf_counter()
    with transaction.atomic():
        with connection.cursor() as cur:
            for name, _ in indexes:
                cur.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
        written = 0
        for chunk in _chunks(_customer_rows(rng, customers, owners, by_dept, deleted_ids, seed), BATCH):
            written += insert_rows(Customer, CUSTOMER_FIELDS, chunk)
            if written % 100_000 == 0 or written == customers:
                log(f"  {written:,} customers ({time.perf_counter() - t:.0f} s)")
        if indexes:
            log(f"Re-creating {len(indexes)} customer indexes ...")
            with connection.cursor() as cur:
                cur.execute("SET CONSTRAINTS ALL IMMEDIATE")  # check the deferred foreign keys now
                cur.execute("SET LOCAL maintenance_work_mem = '256MB'")
                for _, definition in indexes:
                    cur.execute(definition)

    log("Writing shares ...")
    with transaction.atomic():
        n_shares = _write_shares(rng, customers, people, groups, deleted_ids)
        _reset_sequences(
            [
                Department,
                DepartmentClosure,
                User,
                UserRole,
                DepartmentHead,
                ShareGroup,
                ShareGroupMember,
                Customer,
                CustomerShare,
            ]
        )
    company = BenchCompany(
        customers=customers,
        users=len(people),
        users_requested=users,
        seed=seed,
        departments=len(depts),
        shares=n_shares,
    )
    company.personas = _pick_personas(people, depts, customers)
    log("Writing follow-ups ...")
    with transaction.atomic():
        company.followups = _write_followups(rng, company.personas["rep"])
        _reset_sequences([FollowUp])
    company.seconds = round(time.perf_counter() - started, 1)
    write_meta(company)
    return company


def _write_shares(rng, customers: int, people: list[_Person], groups: list, deleted_ids: set[int]) -> int:
    """~SHARED_SHARE of the customers get one share: 60 % to a user, 40 % to a group."""
    owner_of = (
        dict(Customer.objects.values_list("id", "owner_id").order_by()) if customers <= 200_000 else None
    )
    shared = sorted(rng.sample(range(1, customers + 1), int(customers * SHARED_SHARE)))
    active = [p.id for p in people]

    def rows() -> Iterator[tuple]:
        n = 0
        for cid in shared:
            n += 1
            creator = owner_of[cid] if owner_of else 1
            if rng.random() < 0.6:
                uid = rng.choice(active)
                if owner_of and uid == owner_of[cid]:
                    continue
                yield (n, cid, uid, None, rng.choice(("read", "write")), creator, EPOCH)
            else:
                yield (n, cid, None, rng.choice(groups)[0], "read", creator, EPOCH)

    n = insert_rows(
        CustomerShare, ["id", "customer", "user", "group", "access", "created_by", "created_at"], rows()
    )
    if owner_of is None:  # big builds: fix the creator in SQL, drop shares to the owner
        with connection.cursor() as cur:
            cur.execute(
                f"UPDATE {CustomerShare._meta.db_table} SET created_by_id = "
                f"(SELECT owner_id FROM {Customer._meta.db_table} c WHERE c.id = customer_id)"
            )
            cur.execute(
                f"DELETE FROM {CustomerShare._meta.db_table} WHERE user_id = "
                f"(SELECT owner_id FROM {Customer._meta.db_table} c WHERE c.id = customer_id)"
            )
            n -= cur.rowcount
    return n


REP_FOLLOWUPS = 20_000  # the busiest rep's history (issue 4: a rep with 1,000+ customers, 20,000 follow-ups)
FOLLOWUP_TEXTS = [
    "拜访药剂科主任，介绍新品规格与医保目录情况，对方表示下月药事会讨论。",
    "电话沟通上季度回款进度，财务称月底前安排付款。",
    "微信发送产品说明书和临床资料，采购同意安排科室试用。",
    "参加区域学术会议，与科室主任交流用药反馈，约定下周再访。",
    "与采购负责人商谈供货价格，对方希望再让两个点，需请示经理。",
    "陪同代理商拜访连锁总部，确认首批铺货门店名单。",
    "回访上次投诉处理结果，客户对更换批次表示满意。",
    "送达首营资料更新件，核对营业执照和GSP证书有效期。",
]
NEXT_PLANS = ["再次拜访确认药事会结果", "跟进回款", "寄送样品", "约见科室主任", "确认铺货数量", "报价答复"]


def _write_followups(rng: random.Random, rep_username: str) -> int:
    """The busiest rep's ``REP_FOLLOWUPS`` follow-ups spread over their customers, and one by the
    owner for every other customer with a plan (so My Desktop's rows have a "last time")."""
    rep = User.objects.get(username=rep_username)
    rep_customers = list(Customer.objects.filter(owner=rep, deleted_at__isnull=True).values_list("id", flat=True))
    planned = list(Customer.objects.filter(deleted_at__isnull=True, next_followup_on__isnull=False)
               .exclude(owner=rep).values_list("id", "owner_id", "next_followup_on").order_by("id"))
    channels = ["visit", "phone", "wechat", "email", "meeting"]
    year = 365 * 86400

    def row(customer_id: int, author_id: int, next_date) -> tuple:
        at = EPOCH - datetime.timedelta(seconds=rng.randrange(year))
        return (customer_id, author_id, at, rng.choice(channels), rng.choice(FOLLOWUP_TEXTS), next_date,
                rng.choice(NEXT_PLANS) if next_date else "", at, at)

    def rows() -> Iterator[tuple]:
        for _ in range(REP_FOLLOWUPS if rep_customers else 0):
            yield row(rng.choice(rep_customers), rep.pk, None)
        for cid, owner_id, next_on in planned:
            yield row(cid, owner_id, next_on)

    return insert_rows(FollowUp, ["customer", "author", "occurred_at", "channel", "content", "next_date",
                                  "next_plan", "created_at", "updated_at"], rows())


def _pick_personas(people: list[_Person], depts: list[_Dept], customers: int) -> dict[str, str]:
    """The busiest rep, the busiest first-line team head, the biggest region's head, the CEO,
    and a finance user: by the customers they actually own or head, read back from the database."""
    owned = dict(
        Customer.objects.filter(deleted_at__isnull=True)
        .values_list("owner_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    by_dept: dict[int, int] = {}
    for p in people:
        by_dept[p.dept] = by_dept.get(p.dept, 0) + owned.get(p.id, 0)
    children = {d.id: d.children for d in depts}

    def subtree_total(dept_id: int) -> int:
        return by_dept.get(dept_id, 0) + sum(subtree_total(c) for c in children[dept_id])

    plain_reps = [p for p in people if p.heads is None and Role.SALES_REP in p.roles]
    rep = max(plain_reps, key=lambda p: (owned.get(p.id, 0), -p.id))
    max_level = max(d.level for d in depts)
    level = {d.id: d.level for d in depts}
    leaf_heads = [p for p in people if p.heads and level[p.heads] == max_level]
    team_head = max(leaf_heads, key=lambda p: (subtree_total(p.heads), -p.id))
    regions = {d.id for d in depts if d.level == 1 and d.children}
    regional = max((p for p in people if p.heads in regions), key=lambda p: (subtree_total(p.heads), -p.id))
    top = next(p for p in people if p.heads == depts[0].id)
    fin = next(p for p in people if Role.FINANCE in p.roles and p.heads is None)
    return {
        "rep": rep.username,
        "team_head": team_head.username,
        "regional_head": regional.username,
        "top_head": top.username,
        "finance": fin.username,
    }


def analyze() -> None:
    """Fresh planner statistics (and, on PostgreSQL, the visibility map that index-only scans
    need: what autovacuum keeps up to date on a live database)."""
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def customers_per_owner_summary() -> dict[str, int]:
    counts = sorted(
        Customer.objects.filter(deleted_at__isnull=True)
        .values_list("owner_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("n", flat=True)
    )
    if not counts:
        return {}
    return {
        "owners": len(counts),
        "min": counts[0],
        "median": counts[len(counts) // 2],
        "p90": counts[math.ceil(0.9 * len(counts)) - 1],
        "max": counts[-1],
    }
