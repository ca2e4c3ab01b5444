"""Excel import of customers: the template, a preview of every row, an all-or-nothing commit.

``customer_import_preview`` reads the workbook (``core.xlsx.read_sheet`` refuses bad files) and
says for each row what would happen: *create*, *update* (a row whose ID column names a customer
the user may edit — an exported list can be edited and imported back) or *reject*, with every
reason in the user's language. Duplicates — of an existing customer or of another row of the same
file — are rejected and reported (owner name and department only, never more of a customer the
user cannot see), never merged silently.

``customer_import_commit`` re-checks everything against the database as it is now and writes
only if every row is accepted: one transaction, bulk inserts, one audit event per customer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from pharmcrm.core.audit import audit_bulk, snapshot
from pharmcrm.core.errors import ApplicationError
from pharmcrm.core.regions import region_children, region_get, region_label
from pharmcrm.core.xlsx import Column, as_text, read_sheet
from pharmcrm.customers import duplicates
from pharmcrm.customers.models import Customer, CustomerGrade, CustomerSource, CustomerStatus, CustomerType
from pharmcrm.customers.services import AUDIT_FIELDS, _apply, _full_clean
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
    instance: Customer | None = None


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


class _Context:
    def __init__(self, actor: User):
        self.actor = actor
        self.choices = _choice_lookup()
        self._regions: dict[str, str] | None = None
        self.team = {}
        users = visibility.users_in_scope(actor).filter(is_active=True) if (actor.is_admin or actor.is_head) \
            else User.objects.filter(pk=actor.pk)
        by_name: dict[str, list[User]] = {}
        for u in users.only("id", "username", "full_name", "department_id"):
            self.team[u.username.lower()] = u
            by_name.setdefault(u.full_name, []).append(u)
        self.by_full_name = by_name

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
        label = _(next(c.label for c in COLUMNS if c.key == key))
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


def customer_import_preview(*, actor: User, data: bytes) -> ImportPreview:
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
        res.instance = Customer(owner=owner, owner_department_id=owner.department_id if owner else None,
                                created_by=actor)
        if res.action == CREATE:
            values.setdefault("status", CustomerStatus.PROSPECT)
        res._data = values  # type: ignore[attr-defined]
        results.append(res)
    _load_updates(actor, results)
    for res in results:
        if res.instance is None:
            continue
        data_ = dict(res._data)  # type: ignore[attr-defined]
        bad = data_.pop("_bad", set())
        try:
            _apply(res.instance, data_)
            _full_clean(res.instance, region_before=getattr(res.instance, "_region_before", None), constraints=False)
        except ApplicationError as exc:
            res.errors.extend(_service_errors(exc, bad))
    checks = [{"name": r.instance.name if r.instance else "", "credit_code": r.instance.credit_code if r.instance else "",
               "phone": r.instance.phone if r.instance else "", "exclude_id": r.customer_id} for r in results]
    for res, matches in zip(results, duplicates.duplicate_check_batch(actor=actor, rows=checks), strict=True):
        for m in matches[:3]:
            res.errors.append(_duplicate_reason(m, results))
    for res in results:
        if res.errors:
            res.action = REJECT
    return ImportPreview(rows=results)


def _load_updates(actor: User, results: list[RowResult]) -> None:
    ids = [r.customer_id for r in results if r.action == UPDATE and r.customer_id]
    if not ids:
        return
    found: dict[int, Customer] = {}
    for start in range(0, len(ids), 1000):
        chunk = ids[start:start + 1000]
        found.update((c.pk, c) for c in visibility.writable_customers(actor).filter(pk__in=chunk))
    for res in results:
        if res.action != UPDATE or not res.customer_id:
            continue
        customer = found.get(res.customer_id)
        if customer is None:
            res.errors.append(_("ID %(id)s: no customer with this ID that you may edit.") % {"id": res.customer_id})
            res.instance = None
            continue
        if res.values.get("owner") and res.instance and res.instance.owner_id != customer.owner_id:
            res.errors.append(_("Owner: an import does not change owners; use Transfer."))
        customer._region_before = customer.region_code  # a kept (perhaps abolished) code stays valid
        customer._before = snapshot(customer, AUDIT_FIELDS)
        res.instance = customer


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
def customer_import_commit(*, actor: User, data: bytes) -> ImportPreview:
    """Write every row, or nothing (``ApplicationError(code="import_rejected")`` if any row is rejected)."""
    preview = customer_import_preview(actor=actor, data=data)
    if not preview.ok:
        raise ImportRejected(preview)
    now = timezone.now()
    creates = [r.instance for r in preview.rows if r.action == CREATE]
    updates = [r.instance for r in preview.rows if r.action == UPDATE]
    for c in creates:
        c.created_at = c.updated_at = now
    Customer.objects.bulk_create(creates, batch_size=1000)
    if updates:
        for c in updates:
            c.updated_at = now
        Customer.objects.bulk_update(updates, [*_UPDATE_FIELDS, "updated_at"], batch_size=1000)
    audit_bulk(actor=actor, action="import", targets=[(c, {}, c.pk) for c in creates])
    audit_bulk(actor=actor, action="import_update", targets=[
        (c, _diff(c), c.pk) for c in updates])
    return preview


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
