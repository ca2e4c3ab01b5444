"""Excel import of contacts: each row is a person and their current employment at a customer the
user may edit. The preview runs the real services inside a transaction that is rolled back, so
it says exactly what the commit would do; the commit runs them again and keeps everything only
if every row succeeded (all or nothing). Customers are named by ID or by their exact name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from pharmcrm.contacts import services
from pharmcrm.contacts.models import BusinessRole, Employment
from pharmcrm.core.errors import ApplicationError, NotFound, PermissionDenied
from pharmcrm.core.xlsx import Column, as_date, as_text, read_sheet
from pharmcrm.org import visibility
from pharmcrm.org.models import User

COLUMNS = [
    Column("name", gettext_noop("Name"), required=True, aliases=("姓名", "联系人"), width=10),
    Column("customer_id", gettext_noop("Customer ID"), aliases=("客户ID",), width=10,
           help=gettext_noop("The customer's ID (from an export), or leave it empty and give the customer's name.")),
    Column("customer", gettext_noop("Customer name"), aliases=("客户名称", "单位", "公司"), width=30,
           help=gettext_noop("The exact name of a customer you may edit.")),
    Column("title", gettext_noop("Title"), aliases=("职务", "职位"), width=12),
    Column("role", gettext_noop("Business role"), aliases=("业务角色", "角色"), width=12),
    Column("mobile", gettext_noop("Mobile"), aliases=("手机", "手机号"), width=14),
    Column("phone", gettext_noop("Phone"), aliases=("电话", "座机"), width=14),
    Column("wechat", gettext_noop("WeChat"), aliases=("微信",), width=14),
    Column("email", gettext_noop("Email"), aliases=("邮箱", "电子邮件"), width=20),
    Column("birthday", gettext_noop("Birthday"), aliases=("生日", "出生日期"), width=12,
           help=gettext_noop("A date cell or text like 1980-05-17.")),
    Column("start_date", gettext_noop("Since"), aliases=("入职日期", "任职开始"), width=12,
           help=gettext_noop("When they started in this role; a date cell or text like 2024-03-01.")),
    Column("notes", gettext_noop("Notes"), aliases=("备注",), width=30),
]
CREATE, REJECT = "create", "reject"


@dataclass
class RowResult:
    row: int
    action: str
    values: dict[str, str]
    errors: list[str] = field(default_factory=list)
    contact_id: int | None = None


@dataclass
class ContactImportPreview:
    rows: list[RowResult]

    @property
    def counts(self) -> dict[str, int]:
        out = {CREATE: 0, "update": 0, REJECT: 0}
        for r in self.rows:
            out[r.action] += 1
        return out

    @property
    def ok(self) -> bool:
        return not any(r.action == REJECT for r in self.rows)


class _Rollback(Exception):
    pass


def _roles() -> dict[str, str]:
    out = {}
    for value, label in BusinessRole.choices:
        for name in (value, str(label), _(str(label))):
            out[name.strip().lower()] = value
    return out


def _label(key: str) -> str:
    return _(next(c.label for c in COLUMNS if c.key == key))


def _row_payload(raw: dict[str, object], roles: dict[str, str], customers: dict[str, list[int]]):
    shown = {k: as_text(v) for k, v in raw.items()}
    errors: list[str] = []
    data: dict[str, Any] = {k: shown[k] for k in ("name", "mobile", "phone", "wechat", "email", "notes") if k in shown}
    employment: dict[str, Any] = {}
    if "title" in shown:
        employment["title"] = shown["title"]
    if "role" in shown:
        role = roles.get(shown["role"].lower())
        if role is None:
            employment["role"] = BusinessRole.OTHER
            employment["role_other"] = shown["role"]
        else:
            employment["role"] = role
    elif shown.get("title"):  # no role given: "other", described by the title
        employment["role"] = BusinessRole.OTHER
        employment["role_other"] = shown["title"][:50]
    else:
        errors.append(_("%(col)s: required (or give the title).") % {"col": _label("role")})
    for key in ("birthday", "start_date"):
        if key in raw:
            try:
                day = as_date(raw[key])
            except ValueError as exc:
                errors.append(f"{_label(key)}: {exc}")
                continue
            if key == "birthday":
                data.update(birth_year=day.year, birth_month=day.month, birth_day=day.day)
            else:
                employment["start_date"] = day
    customer_id = None
    if shown.get("customer_id"):
        try:
            customer_id = int(shown["customer_id"])
        except ValueError:
            errors.append(_("%(col)s: “%(v)s” is not a customer ID.") % {"col": _label("customer_id"),
                                                                         "v": shown["customer_id"]})
    elif shown.get("customer"):
        ids = customers.get(shown["customer"], [])
        if len(ids) == 1:
            customer_id = ids[0]
        elif len(ids) > 1:
            errors.append(_("%(col)s: several customers you may edit are called “%(v)s”; give the customer ID.")
                          % {"col": _label("customer"), "v": shown["customer"]})
        else:
            errors.append(_("%(col)s: no customer you may edit is called “%(v)s”.")
                          % {"col": _label("customer"), "v": shown["customer"]})
    else:
        errors.append(_("Give the customer: its ID or its exact name."))
    return shown, data, employment, customer_id, errors


def _field_errors(exc: ApplicationError) -> list[str]:
    out = []
    for name, messages in exc.fields.items():
        key = {"role_other": "role", "birth_year": "birthday", "birth_month": "birthday",
               "birth_day": "birthday"}.get(name, name)
        label = next((_(c.label) for c in COLUMNS if c.key == key), name)
        out.extend(f"{label}: {m}" for m in messages)
    return out or [exc.message]


def _run(actor: User, data: bytes) -> ContactImportPreview:
    cfg = settings.PHARMCRM
    sheet = read_sheet(data, columns=COLUMNS, max_bytes=cfg.get("IMPORT_MAX_BYTES", 10 * 1024 * 1024),
                       max_rows=cfg.get("IMPORT_MAX_ROWS", 100_000))
    roles = _roles()
    names = {as_text(raw["customer"]) for _n, raw in sheet.rows if raw.get("customer") and not raw.get("customer_id")}
    customers: dict[str, list[int]] = {}
    if names:
        for pk, name in visibility.writable_customers(actor).filter(name__in=names).values_list("pk", "name"):
            customers.setdefault(name, []).append(pk)
    results: list[RowResult] = []
    seen: dict[tuple, int] = {}
    for row_no, raw in sheet.rows:
        shown, payload, employment, customer_id, errors = _row_payload(raw, roles, customers)
        res = RowResult(row=row_no, action=CREATE, values=shown, errors=errors)
        results.append(res)
        if customer_id is not None:
            key = (customer_id, payload.get("name", ""), payload.get("mobile", ""))
            if key in seen:
                res.errors.append(_("Same person and customer as row %(row)d.") % {"row": seen[key]})
            seen.setdefault(key, row_no)
            if payload.get("name") and Employment.objects.filter(
                    customer_id=customer_id, end_date__isnull=True, contact__deleted_at__isnull=True,
                    contact__name=payload["name"], contact__mobile=payload.get("mobile", "")).exists():
                res.errors.append(_("This person is already a current contact of this customer."))
        if customer_id is None:  # other errors do not stop the service's checks: every problem at once
            res.action = REJECT
            continue
        try:
            with transaction.atomic():  # a savepoint per row: a failed row leaves nothing behind
                contact = services.contact_create(actor=actor, customer_id=customer_id, data=payload,
                                                  employment=employment)
            res.contact_id = contact.pk
        except ApplicationError as exc:
            res.errors.extend(_field_errors(exc))
        except (NotFound, PermissionDenied):
            res.errors.append(_("Customer ID %(id)s: no customer with this ID that you may edit.")
                              % {"id": customer_id})
        if res.errors:
            res.action = REJECT
    return ContactImportPreview(rows=results)


def contact_import_preview(*, actor: User, data: bytes) -> ContactImportPreview:
    """What the commit would do, row by row; nothing is kept."""
    preview: ContactImportPreview | None = None
    try:
        with transaction.atomic():
            preview = _run(actor, data)
            raise _Rollback
    except _Rollback:
        pass
    for r in preview.rows:
        r.contact_id = None
    return preview


def contact_import_commit(*, actor: User, data: bytes) -> ContactImportPreview:
    """Every row, or nothing (``ApplicationError(code="import_rejected")``)."""
    with transaction.atomic():
        preview = _run(actor, data)
        if not preview.ok:
            transaction.set_rollback(True)
    if not preview.ok:
        raise ApplicationError(_("%(n)d rows cannot be imported; nothing was imported. Fix them and upload the "
                                 "file again.") % {"n": preview.counts[REJECT]}, code="import_rejected")
    return preview


def contact_import_template() -> bytes:
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    wb = Workbook()
    ws = wb.active
    ws.title = _("Contacts")
    for i, col in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=1, column=i, value=_(col.label) + (" *" if col.required else ""))
        cell.font = Font(bold=True)
        if col.required:
            cell.fill = PatternFill("solid", fgColor="FFF4CE")
        ws.column_dimensions[cell.column_letter].width = col.width + 2
        if col.key in ("mobile", "phone", "customer_id"):
            for row in range(2, 1002):
                ws.cell(row=row, column=i).number_format = "@"
    ws.freeze_panes = "A2"
    help_ws = wb.create_sheet(_("Instructions"))
    help_ws.append([_("Column"), _("Required"), _("What to enter")])
    for col in COLUMNS:
        what = _(col.help) if col.help else ""
        if col.key == "role":
            what = _("One of: %(v)s") % {"v": "、".join(str(lbl) for _v, lbl in BusinessRole.choices)}
        help_ws.append([_(col.label), _("yes") if col.required else "", what])
    help_ws.append([])
    help_ws.append([_("Do not use formulas: paste values. Dates may be date cells or text like 2026-01-31.")])
    for letter, width in (("A", 20), ("B", 8), ("C", 80)):
        help_ws.column_dimensions[letter].width = width
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()

