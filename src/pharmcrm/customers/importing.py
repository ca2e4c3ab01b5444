"""Excel import of customers: the template, a preview of every row, an all-or-nothing commit.

``customer_import_preview`` reads the workbook (``core.xlsx.read_sheet`` refuses bad files) and
says for each row what would happen: *create*, *update* (a row whose ID column names a customer
the user may edit — an exported list can be edited and imported back) or *reject*, with every
reason in the user's language. Duplicates — of an existing customer or of another row of the same
file — are rejected and reported (owner name and department only, never more of a customer the
user cannot see), never merged silently.

``customer_import_commit`` re-checks everything against the database as it is now and writes
only if every row is accepted: one transaction, bulk inserts, one audit event per customer.

Speed (100,000 rows in well under a minute, docs/benchmark.md "Import"): the work is split in
two. ``_prepare`` parses the file and checks every row on its own (plain functions for the field
rules; Django's ``full_clean`` only for a row that fails them, for its exact messages; pinyin and
duplicate keys once per row) — it depends only on the file, the user and the user's team.
``_check`` does what depends on the database: the customers the rows update (and whether the
user may write them) and the duplicate check, in set-based queries per chunk of rows. The web
flow keeps the prepared rows next to the uploaded file (signed, keyed by the file's digest, the
user and a fingerprint of the team), so the commit repeats only ``_check``; anything that does
not match is prepared again. The commit inserts customers and audit events with multi-row
INSERTs of plain values (no model instances), 1,000 rows per statement.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import hmac
import marshal
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from pharmcrm.core.audit import audit_bulk, snapshot
from pharmcrm.core.errors import ApplicationError
from pharmcrm.core.models import AuditEvent
from pharmcrm.core.pinyin import search_key
from pharmcrm.core.regions import region_children, region_get, region_label, region_validate
from pharmcrm.core.validators import normalise_credit_code, validate_credit_code
from pharmcrm.core.xlsx import Column, as_text, read_sheet
from pharmcrm.customers import duplicates
from pharmcrm.customers.duplicate_keys import name_key, phone_key
from pharmcrm.customers.models import Customer, CustomerGrade, CustomerSource, CustomerStatus, CustomerType
from pharmcrm.customers.services import AUDIT_FIELDS, EDITABLE_FIELDS, _apply, _full_clean
from pharmcrm.org import visibility
from pharmcrm.org.models import User

COLUMNS = [
    Column("id", gettext_noop("ID"), aliases=("客户ID", "编号"), width=8,
           help=gettext_noop("Leave empty to create; an ID from an export updates that customer.")),
    Column("name", gettext_noop("Customer name"), required=True, aliases=("客户名称", "名称"), width=36),
    Column("type", gettext_noop("Type"), required=True, aliases=("客户类型", "类型"), width=12),
    Column("short_name", gettext_noop("Short name"), aliases=("简称",), width=14),
    Column("credit_code", gettext_noop("Unified social credit code"), aliases=("信用代码",), width=22),
    Column("region_code", gettext_noop("Region code"), aliases=("地区", "地区编码", "行政区划代码"), width=12,
           help=gettext_noop("6-digit administrative code, e.g. 330106, or the region's name.")),
    Column("address", gettext_noop("Address"), aliases=("地址",), width=40),
    Column("phone", gettext_noop("Phone"), aliases=("电话",), width=16),
    Column("status", gettext_noop("Status"), aliases=("状态",), width=8),
    Column("grade", gettext_noop("Grade"), aliases=("等级",), width=6),
    Column("source", gettext_noop("Source"), aliases=("来源",), width=12),
    Column("owner", gettext_noop("Owner"), aliases=("负责人", "负责人用户名", "Owner username"), width=12,
           help=gettext_noop("Username or full name of a user in your team; empty = you.")),
    Column("notes", gettext_noop("Notes"), aliases=("备注",), width=30),
]
# columns an export carries that the import ignores (so an exported workbook imports back)
IGNORED = ("Location", "Department", "Created at", "Last updated", "所在地区", "所属部门", "创建时间", "最后更新")
CHOICES = {
    "type": CustomerType, "status": CustomerStatus, "grade": CustomerGrade, "source": CustomerSource,
}
# words people write for the types (besides the labels themselves)
SYNONYMS = {
    "type": {"经销商": "distributor", "商业公司": "distributor", "配送企业": "distributor", "药店": "pharmacy",
             "零售药店": "pharmacy", "连锁": "chain", "诊所": "clinic", "卫生院": "clinic", "社区卫生服务中心": "clinic",
             "代理": "agent"},
}
CREATE, UPDATE, REJECT = "create", "update", "reject"


@dataclass
class RowResult:
    row: int  # the Excel row number
    action: str
    values: dict[str, str]
    errors: list[str] = field(default_factory=list)
    customer_id: int | None = None
    customer: Customer | None = None  # an update: the customer, changed (after _check)
    owner_id: int | None = None  # the owner the row names (or the user); None if it names nobody valid
    owner_department_id: int | None = None
    data: dict[str, Any] | None = None  # an update: the service data to apply (with "_bad")
    fields: dict[str, Any] | None = None  # a create: every editable field and the keys, ready to insert
    keys: duplicates.Keys | None = None  # a create: what the duplicate check compares

    @property
    def instance(self) -> Customer | None:
        """The customer as the row would leave it (unsaved; for a create, built on demand)."""
        if self.customer is not None or self.fields is None:
            return self.customer
        return Customer(**self.fields, owner_id=self.owner_id, owner_department_id=self.owner_department_id)


@dataclass
class ImportPreview:
    rows: list[RowResult]

    @property
    def counts(self) -> dict[str, int]:
        out = {CREATE: 0, UPDATE: 0, REJECT: 0}
        for r in self.rows:
            out[r.action] += 1
        return out

    @property
    def ok(self) -> bool:
        return not any(r.action == REJECT for r in self.rows)


def _limits() -> tuple[int, int]:
    cfg = settings.PHARMCRM
    return cfg.get("IMPORT_MAX_BYTES", 10 * 1024 * 1024), cfg.get("IMPORT_MAX_ROWS", 100_000)


def _columns() -> list[Column]:
    return COLUMNS + [Column(f"_ignored_{i}", label) for i, label in enumerate(IGNORED)]


def _choice_lookup() -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for key, choices in CHOICES.items():
        table = {}
        for value, label in choices.choices:
            for name in (value, str(label), _(str(label))):
                table[name.strip().lower()] = value
        table.update(SYNONYMS.get(key, {}))
        out[key] = table
    return out


def _region_by_name() -> dict[str, str]:
    """"浙江省 杭州市 西湖区", "杭州市西湖区" ... → code (current regions only)."""
    out: dict[str, str] = {}

    def walk(parent: str | None, path: list[str]) -> None:
        for r in region_children(parent):
            names = [*path, r.name]
            for form in (" ".join(names), "".join(names), "/".join(names)):
                out.setdefault(form, r.code)
            walk(r.code, names)

    walk(None, [])
    return out


def _team(actor: User) -> list[User]:
    users = visibility.users_in_scope(actor).filter(is_active=True) if (actor.is_admin or actor.is_head) \
        else User.objects.filter(pk=actor.pk)
    return list(users.only("id", "username", "full_name", "department_id").order_by("pk"))


def _team_fingerprint(team: list[User]) -> str:
    """What the prepared rows depend on in the database: who the owners may be (and their departments)."""
    text = "\n".join(f"{u.pk}\t{u.username}\t{u.full_name}\t{u.department_id}" for u in team)
    return hashlib.sha256(text.encode()).hexdigest()


class _Context:
    def __init__(self, actor: User):
        self.actor = actor
        self.choices = _choice_lookup()
        self.labels = {c.key: _(c.label) for c in COLUMNS}
        self._regions: dict[str, str] | None = None
        self._region_ok: dict[str, bool] = {}
        self.team = {}
        team = _team(actor)
        self.fingerprint = _team_fingerprint(team)
        by_name: dict[str, list[User]] = {}
        for u in team:
            self.team[u.username.lower()] = u
            by_name.setdefault(u.full_name, []).append(u)
        self.by_full_name = by_name

    def region_ok(self, code: str) -> bool:
        ok = self._region_ok.get(code)
        if ok is None:
            try:
                region_validate(code)
            except ValidationError:
                ok = False
            else:
                ok = True
            self._region_ok[code] = ok
        return ok

    def region(self, text: str) -> str | None:
        if text.isdigit() and len(text) == 6:
            return text
        if self._regions is None:
            self._regions = _region_by_name()
        return self._regions.get(" ".join(text.split())) or self._regions.get(text.replace(" ", ""))


def _convert(ctx: _Context, raw: dict[str, object]) -> tuple[dict[str, Any], list[str], dict[str, str]]:
    """(service data, errors, display values) of one row; a field that failed here is marked with a
    ``None`` in the data's ``_bad`` set so the service's "required" message does not repeat it."""
    shown = {k: as_text(v) for k, v in raw.items() if not k.startswith("_ignored_")}
    data: dict[str, Any] = {}
    errors: list[str] = []
    for key, text in shown.items():
        if key in ("id", "owner"):
            continue
        label = ctx.labels[key]
        if key in CHOICES:
            value = ctx.choices[key].get(text.lower())
            if value is None:
                allowed = "、".join(str(lbl) for _v, lbl in CHOICES[key].choices)
                errors.append(_("%(col)s: “%(v)s” is not one of %(allowed)s.") % {"col": label, "v": text,
                                                                                   "allowed": allowed})
                data.setdefault("_bad", set()).add(key)
                continue
            data[key] = value
        elif key == "region_code":
            code = ctx.region(text)
            if code is None:
                errors.append(_("%(col)s: no region is called “%(v)s”; use the 6-digit code, e.g. 330106.")
                              % {"col": label, "v": text})
                data.setdefault("_bad", set()).add(key)
                continue
            data[key] = code
        else:
            data[key] = text
    return data, errors, shown


def _owner(ctx: _Context, text: str) -> tuple[User | None, str | None]:
    if not text:
        return ctx.actor, None
    user = ctx.team.get(text.lower())
    if user is None:
        same = ctx.by_full_name.get(text, [])
        if len(same) == 1:
            user = same[0]
        elif len(same) > 1:
            return None, _("Owner: several users are called “%(v)s”; write the username.") % {"v": text}
    if user is None:
        return None, _("Owner: “%(v)s” is not an active user of your team.") % {"v": text}
    return user, None


def _service_errors(exc: ApplicationError, skip: set[str]) -> list[str]:
    out = []
    for name, messages in exc.fields.items():
        if name in skip:
            continue
        try:
            label = str(Customer._meta.get_field(name).verbose_name)
        except Exception:
            label = name
        out.extend(f"{label}: {m}" for m in messages)
    return out if (out or skip) else [exc.message]


_CRITERION_LABELS = {
    "credit_code": gettext_noop("unified social credit code"), "name": gettext_noop("name"),
    "phone": gettext_noop("phone"),
}


def _duplicate_reason(match: duplicates.DuplicateMatch, rows: Sequence[RowResult]) -> str:
    on = "、".join(_(_CRITERION_LABELS.get(c, c)) for c in match.matched_on)
    if match.row is not None:
        return _("Duplicates row %(row)d of this file (same %(on)s).") % {"row": rows[match.row].row, "on": on}
    return _("Duplicates an existing customer owned by %(owner)s (%(dept)s) (same %(on)s).") % {
        "owner": match.owner, "dept": match.department or "—", "on": on}


# the field rules of Customer.full_clean for a new customer, as plain checks (a row that breaks one
# goes through full_clean for Django's exact message)
_MAX_LENGTH = {name: Customer._meta.get_field(name).max_length for name in EDITABLE_FIELDS}
_VALUES = {key: {v for v, _label in choices.choices} for key, choices in CHOICES.items()}
_REQUIRED = ("type", "name", "status")
_CREATE_DEFAULTS = {name: "" for name in EDITABLE_FIELDS} | {"status": CustomerStatus.PROSPECT.value}
_credit_ok: dict[str, bool] = {}


def _credit_code_ok(code: str) -> bool:
    ok = _credit_ok.get(code)
    if ok is None:
        try:
            validate_credit_code(code)
        except ValidationError:
            ok = False
        else:
            ok = True
        if len(_credit_ok) > 200_000:
            _credit_ok.clear()
        _credit_ok[code] = ok
    return ok


def _valid_new(ctx: _Context, f: dict[str, str]) -> bool:
    """Would ``_full_clean`` accept a new customer with these fields? (True only if surely so.)"""
    for name, limit in _MAX_LENGTH.items():
        if limit and len(f[name]) > limit:
            return False
    if not all(f[name] for name in _REQUIRED):
        return False
    for key, allowed in _VALUES.items():
        if f[key] and f[key] not in allowed:
            return False
    if f["credit_code"] and not _credit_code_ok(f["credit_code"]):
        return False
    return not (f["region_code"] and not ctx.region_ok(f["region_code"]))


def _prepare_create(ctx: _Context, res: RowResult, values: dict[str, Any], owner: User | None) -> None:
    bad = values.pop("_bad", set())
    f = dict(_CREATE_DEFAULTS)
    for key, value in values.items():
        f[key] = (value or "").strip()
    f["credit_code"] = normalise_credit_code(f["credit_code"])
    if not _valid_new(ctx, f):  # the service's own checks, for their messages
        instance = Customer(owner=owner, owner_department_id=owner.department_id if owner else None,
                            created_by=ctx.actor)
        try:
            _apply(instance, values)
            _full_clean(instance, constraints=False)
        except ApplicationError as exc:
            res.errors.extend(_service_errors(exc, bad))
    f["search_text"] = search_key(f["name"], f["short_name"], f["credit_code"], f["phone"])
    f["name_key"], f["phone_key"] = name_key(f["name"]), phone_key(f["phone"])
    res.fields = f
    res.keys = _keys(f)


_FIELDS = [*EDITABLE_FIELDS, "search_text", "name_key", "phone_key"]  # a create row's fields, in this order


def _keys(f: dict[str, str]) -> duplicates.Keys:
    return duplicates.Keys(credit_code=normalise_credit_code(f["credit_code"]), name=f["name_key"], phone=f["phone_key"])


@contextlib.contextmanager
def _no_gc():
    """No cyclic garbage collection while 100,000 rows of small objects are built: the collector
    would walk the growing heap again and again (10-25 % of the time); nothing here makes cycles."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@dataclass
class Prepared:
    """The rows of one file checked on their own (``_prepare``): what the commit can reuse."""

    actor_id: int
    digest: str  # sha256 of the file
    team: str  # _team_fingerprint when prepared
    rows: list[RowResult]


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _prepare(actor: User, data: bytes) -> Prepared:
    with _no_gc():
        return _prepare_rows(actor, data)


def _prepare_rows(actor: User, data: bytes) -> Prepared:
    max_bytes, max_rows = _limits()
    sheet = read_sheet(data, columns=_columns(), max_bytes=max_bytes, max_rows=max_rows)
    ctx = _Context(actor)
    results: list[RowResult] = []
    update_ids: dict[int, int] = {}
    for row_no, raw in sheet.rows:
        values, errors, shown = _convert(ctx, raw)
        res = RowResult(row=row_no, action=CREATE, values=shown, errors=errors)
        if shown.get("id"):
            try:
                res.customer_id = int(shown["id"])
            except ValueError:
                res.errors.append(_("ID: “%(v)s” is not a customer ID; leave it empty to create.") % {"v": shown["id"]})
            else:
                res.action = UPDATE
                if res.customer_id in update_ids:
                    res.errors.append(_("ID %(id)s appears twice in this file (row %(row)d).")
                                      % {"id": res.customer_id, "row": update_ids[res.customer_id]})
                update_ids.setdefault(res.customer_id, row_no)
        owner, owner_error = _owner(ctx, shown.get("owner", ""))
        if owner_error:
            res.errors.append(owner_error)
        if owner is not None:
            res.owner_id, res.owner_department_id = owner.pk, owner.department_id
        if res.action == CREATE:
            values.setdefault("status", CustomerStatus.PROSPECT)
            _prepare_create(ctx, res, values, owner)
        else:
            res.data = values
        results.append(res)
    return Prepared(actor_id=actor.pk, digest=_digest(data), team=ctx.fingerprint, rows=results)


def _check(actor: User, prepared: Prepared) -> ImportPreview:
    """What depends on the database now: the customers to update (the user may write them) and
    the duplicate check. The rows of ``prepared`` are completed in place (it is used once: the
    preview stores it before, the commit loads or prepares its own)."""
    with _no_gc():
        return _check_rows(actor, prepared.rows)


def _check_rows(actor: User, results: list[RowResult]) -> ImportPreview:
    _load_updates(actor, results)
    checks: list[dict[str, Any]] = []
    for res in results:
        if res.action == UPDATE and res.customer is not None:
            data_ = dict(res.data or {})
            bad = data_.pop("_bad", set())
            try:
                _apply(res.customer, data_)
                _full_clean(res.customer, region_before=res.customer._region_before, constraints=False)
            except ApplicationError as exc:
                res.errors.extend(_service_errors(exc, bad))
            i = res.customer
            res.keys = duplicates.Keys(credit_code=normalise_credit_code(i.credit_code), name=i.name_key,
                                       phone=i.phone_key)
        checks.append({"keys": res.keys or duplicates.Keys(), "exclude_id": res.customer_id})
    for res, matches in zip(results, duplicates.duplicate_check_batch(actor=actor, rows=checks), strict=True):
        for m in matches[:3]:
            res.errors.append(_duplicate_reason(m, results))
    for res in results:
        if res.errors:
            res.action = REJECT
    return ImportPreview(rows=results)


# --- the prepared rows kept between the preview and the commit --------------------------------------

# marshal (plain values only, much faster than pickle for 100,000 rows), signed with the secret key
_CACHE_VERSION = f"pharmcrm.customers.import.v1:{sys.version}".encode()


def _sign(payload: bytes) -> bytes:
    return hmac.new(settings.SECRET_KEY.encode() + _CACHE_VERSION, payload, hashlib.sha256).digest()


def _dump(prepared: Prepared) -> bytes:
    rows = [(r.row, r.action, r.errors, r.customer_id, r.owner_id, r.owner_department_id, r.values, r.data,
             None if r.fields is None else [r.fields[k] for k in _FIELDS]) for r in prepared.rows]
    return marshal.dumps((prepared.actor_id, prepared.digest, prepared.team, rows))


def _load(payload: bytes) -> Prepared:
    with _no_gc():
        return _load_rows(payload)


def _load_rows(payload: bytes) -> Prepared:
    actor_id, digest, team, rows = marshal.loads(payload)
    out = []
    for row, action, errors, customer_id, owner_id, dept_id, values, data, fields in rows:
        res = RowResult(row=row, action=action, values=values, errors=errors, customer_id=customer_id,
                        owner_id=owner_id, owner_department_id=dept_id, data=data)
        if fields is not None:
            res.fields = dict(zip(_FIELDS, fields, strict=True))
            res.keys = _keys(res.fields)
        out.append(res)
    return Prepared(actor_id=actor_id, digest=digest, team=team, rows=out)


def prepared_store(path: Path, prepared: Prepared) -> bool:
    """Keep the prepared rows at ``path`` (False if they hold something that cannot be kept)."""
    try:
        with _no_gc():
            payload = _dump(prepared)
    except ValueError:  # a value marshal does not take: the commit will prepare again
        path.unlink(missing_ok=True)
        return False
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(_sign(payload) + payload)
    tmp.replace(path)
    return True


def prepared_load(path: Path, *, actor: User, data: bytes) -> Prepared | None:
    """The prepared rows stored by the preview if they still hold: signed by this server, same file,
    same user, same team (owners and departments); else None (the commit prepares again)."""
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    mac, payload = raw[:32], raw[32:]
    if len(mac) != 32 or not hmac.compare_digest(mac, _sign(payload)):
        return None
    try:
        prepared = _load(payload)
    except Exception:
        return None
    if prepared.actor_id != actor.pk or prepared.digest != _digest(data):
        return None
    if prepared.team != _team_fingerprint(_team(actor)):
        return None
    return prepared


def customer_import_preview(*, actor: User, data: bytes, cache: Path | None = None) -> ImportPreview:
    """Every row's fate (nothing is written). With ``cache``, the prepared rows are stored there for
    ``customer_import_commit(cache=...)``."""
    prepared = _prepare(actor, data)
    if cache is not None:
        prepared_store(cache, prepared)
    return _check(actor, prepared)


def _load_updates(actor: User, results: list[RowResult]) -> None:
    ids = [r.customer_id for r in results if r.action == UPDATE and r.customer_id]
    if not ids:
        return
    found: dict[int, Customer] = {}
    for start in range(0, len(ids), 1000):
        chunk = ids[start:start + 1000]
        found.update((c.pk, c) for c in visibility.writable_customers(actor).filter(pk__in=chunk)
                     .select_related("owner", "owner_department"))  # the audit snapshot names them
    for res in results:
        if res.action != UPDATE or not res.customer_id:
            continue
        customer = found.get(res.customer_id)
        if customer is None:
            res.errors.append(_("ID %(id)s: no customer with this ID that you may edit.") % {"id": res.customer_id})
            res.customer = None
            continue
        if res.values.get("owner") and res.owner_id != customer.owner_id:
            res.errors.append(_("Owner: an import does not change owners; use Transfer."))
        customer._region_before = customer.region_code  # a kept (perhaps abolished) code stays valid
        customer._before = snapshot(customer, AUDIT_FIELDS)
        res.customer = customer


def preview_as_dict(preview: ImportPreview) -> dict[str, Any]:
    return {
        "ok": preview.ok,
        "counts": preview.counts,
        "rows": [{"row": r.row, "action": r.action, "errors": r.errors, "customer_id": r.customer_id,
                  "values": r.values} for r in preview.rows],
    }


class ImportRejected(ApplicationError):
    """Some rows are rejected: nothing was written. The API adds every row's result to the body."""

    def __init__(self, preview: ImportPreview):
        self.preview = preview
        n = preview.counts[REJECT]
        super().__init__(_("%(n)d rows cannot be imported; nothing was imported. Fix them and upload "
                           "the file again.") % {"n": n}, code="import_rejected")

    def api_extra(self) -> dict[str, Any]:
        return {"import": preview_as_dict(self.preview)}


@transaction.atomic
def customer_import_commit(*, actor: User, data: bytes, cache: Path | None = None) -> ImportPreview:
    """Write every row, or nothing (``ApplicationError(code="import_rejected")`` if any row is rejected).

    ``cache``: where the preview stored its prepared rows; used only if they still hold
    (``prepared_load``), and the database-dependent checks run again in any case."""
    prepared = prepared_load(cache, actor=actor, data=data) if cache is not None else None
    if prepared is None:
        prepared = _prepare(actor, data)
    preview = _check(actor, prepared)
    if not preview.ok:
        raise ImportRejected(preview)
    now = timezone.now()
    creates = [r for r in preview.rows if r.action == CREATE]
    updates = [r.customer for r in preview.rows if r.action == UPDATE]
    with _no_gc():
        ids = _insert_customers(actor, creates, now)
    if updates:
        for c in updates:
            c.updated_at = now
        Customer.objects.bulk_update(updates, [*_UPDATE_FIELDS, "updated_at"], batch_size=1000)
    with _no_gc():
        _insert_audit(actor, "import", [(pk, r.fields["name"]) for pk, r in zip(ids, creates, strict=True)], now)
    audit_bulk(actor=actor, action="import_update", targets=[
        (c, _diff(c), c.pk) for c in updates])
    return preview


INSERT_BATCH = 1000


def _insert(model, columns: list[str], rows: list[list[Any]], *, ids: bool = True) -> list[int]:
    """Insert plain values (what bulk_create does, without a model instance and a field conversion
    per value) and return the new ids in the order of ``rows`` (``ids=False``: none).

    PostgreSQL: ids reserved from the table's sequence, then ``COPY`` (multi-row INSERTs go
    through psycopg's client-side binding, which quotes each of 2.7 million values in Python).
    SQLite: multi-row ``INSERT ... RETURNING``, 1,000 rows per statement."""
    if connection.vendor == "postgresql":
        return _copy_postgresql(model, columns, rows, ids=ids)
    by_attname = {f.attname: f.column for f in model._meta.concrete_fields}
    qn = connection.ops.quote_name
    head = f"INSERT INTO {qn(model._meta.db_table)} ({', '.join(qn(by_attname[c]) for c in columns)}) VALUES "
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    pk = qn(model._meta.pk.column)
    out: list[int] = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), INSERT_BATCH):
            chunk = rows[start:start + INSERT_BATCH]
            cursor.execute(head + ", ".join([one] * len(chunk)) + f" RETURNING {pk}",
                           [v for row in chunk for v in row])
            out.extend(r[0] for r in cursor.fetchall())
    return out if ids else []


def _copy_postgresql(model, columns: list[str], rows: list[list[Any]], *, ids: bool) -> list[int]:
    by_attname = {f.attname: f.column for f in model._meta.concrete_fields}
    qn = connection.ops.quote_name
    table, pk = model._meta.db_table, model._meta.pk
    out: list[int] = []
    with connection.cursor() as cursor:
        # the GIN indexes over search_text merge their pending entries with work_mem: give them room
        # for this transaction only (a third faster for 100,000 customers)
        cursor.execute("SET LOCAL work_mem = '256MB'")
        if ids:
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                           [table, pk.column, len(rows)])
            out = sorted(r[0] for r in cursor.fetchall())
            columns = [pk.attname, *columns]
            rows = [[pk_value, *row] for pk_value, row in zip(out, rows, strict=True)]
        sql = f"COPY {qn(table)} ({', '.join(qn(by_attname[c]) for c in columns)}) FROM STDIN"
        with cursor.cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
    return out


def _constant_columns(model, instance, skip: set[str]) -> tuple[list[str], list[Any]]:
    """The columns not set per row, with ``instance``'s values as the database takes them."""
    names, values = [], []
    for f in model._meta.concrete_fields:
        if f.primary_key or f.attname in skip:
            continue
        names.append(f.attname)
        values.append(f.get_db_prep_save(getattr(instance, f.attname), connection))
    return names, values


def _insert_customers(actor: User, creates: list[RowResult], now) -> list[int]:
    if not creates:
        return []
    template = Customer(created_by=actor, created_at=now, updated_at=now, owned_since=now)
    const_names, const_values = _constant_columns(Customer, template, {*_FIELDS, "owner_id",
                                                                       "owner_department_id"})
    columns = [*_FIELDS, "owner_id", "owner_department_id", *const_names]
    rows = [[*(r.fields[name] for name in _FIELDS), r.owner_id, r.owner_department_id, *const_values]
            for r in creates]
    return _insert(Customer, columns, rows)


def _insert_audit(actor: User, action: str, targets: list[tuple[int, str]], now) -> None:
    """One "import" event per new customer (as ``audit_bulk`` writes them)."""
    if not targets:
        return
    template = AuditEvent(actor=actor, action=action, target_type=Customer._meta.model_name, created_at=now,
                          changes={})
    const_names, const_values = _constant_columns(AuditEvent, template, {"target_id", "target_label", "customer_id"})
    _insert(AuditEvent, ["target_id", "target_label", "customer_id", *const_names],
            [[pk, label[:300], pk, *const_values] for pk, label in targets], ids=False)


_UPDATE_FIELDS = ["type", "name", "short_name", "credit_code", "region_code", "address", "phone", "status", "grade",
                  "source", "notes", "search_text", "name_key", "phone_key"]


def _diff(c: Customer) -> dict:
    after = snapshot(c, AUDIT_FIELDS)
    before = getattr(c, "_before", {})
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}


def region_hint(code: str) -> str:
    return region_label(code) if region_get(code) else ""


def customer_import_template() -> bytes:
    """The workbook to fill in: the header row on the first sheet, the rules on the second."""
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    wb = Workbook()
    ws = wb.active
    ws.title = _("Customers")
    bold = Font(bold=True)
    for i, col in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=1, column=i, value=_(col.label) + (" *" if col.required else ""))
        cell.font = bold
        if col.required:
            cell.fill = PatternFill("solid", fgColor="FFF4CE")
        ws.column_dimensions[cell.column_letter].width = col.width + 2
        if col.key in ("credit_code", "phone", "region_code", "id"):
            for row in range(2, 1002):  # text cells: long numbers keep every digit
                ws.cell(row=row, column=i).number_format = "@"
    ws.freeze_panes = "A2"
    help_ws = wb.create_sheet(_("Instructions"))
    help_ws.append([_("Column"), _("Required"), _("What to enter")])
    for c in help_ws[1]:
        c.font = bold
    for col in COLUMNS:
        what = _(col.help) if col.help else ""
        if col.key in CHOICES:
            what = _("One of: %(v)s") % {"v": "、".join(str(lbl) for _v, lbl in CHOICES[col.key].choices)}
        help_ws.append([_(col.label), _("yes") if col.required else "", what])
    help_ws.append([])
    help_ws.append([_("Rows that duplicate an existing customer (same credit code, name or phone) are rejected "
                      "and reported; nothing is imported until every row is accepted.")])
    help_ws.append([_("Do not use formulas: paste values. Dates may be date cells or text like 2026-01-31.")])
    for letter, width in (("A", 28), ("B", 8), ("C", 80)):
        help_ws.column_dimensions[letter].width = width
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
