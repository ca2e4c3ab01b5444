"""Factories that go through the services where the services carry rules (closure, roles)."""

from __future__ import annotations

import itertools

from pharmcrm.core.pinyin import search_key
from pharmcrm.customers.duplicates import set_keys
from pharmcrm.customers.models import Customer, CustomerShare
from pharmcrm.org.models import (
    Department,
    DepartmentClosure,
    DepartmentHead,
    Role,
    ShareGroup,
    User,
    UserRole,
)

_seq = itertools.count(1)


def make_department(name: str | None = None, parent: Department | None = None) -> Department:
    """A department with its closure rows (same rule as ``org.services.department_create``)."""
    dept = Department.objects.create(name=name or f"部门{next(_seq)}", parent=parent)
    rows = [DepartmentClosure(ancestor=dept, descendant=dept, depth=0)]
    if parent is not None:
        rows += [
            DepartmentClosure(ancestor_id=a, descendant=dept, depth=d + 1)
            for a, d in DepartmentClosure.objects.filter(descendant=parent).values_list("ancestor_id", "depth")
        ]
    DepartmentClosure.objects.bulk_create(rows)
    return dept


def make_user(
    username: str | None = None, *, department: Department | None = None, roles=(Role.SALES_REP,),
    heads: tuple[Department, ...] = (), password: str = "secret-pw-1", full_name: str | None = None,
    is_active: bool = True,
) -> User:
    n = next(_seq)
    user = User(username=username or f"user{n}", full_name=full_name or f"用户{n}", department=department,
                is_active=is_active)
    user.set_password(password)
    user.save()
    UserRole.objects.bulk_create([UserRole(user=user, role=r) for r in roles])
    DepartmentHead.objects.bulk_create([DepartmentHead(department=d, user=user) for d in heads])
    return user


def make_admin(username: str | None = None, **kw) -> User:
    return make_user(username, roles=(Role.ADMIN,), **kw)


def make_customer(owner: User, name: str | None = None, **fields) -> Customer:
    name = name or f"客户{next(_seq)}医药有限公司"
    fields.setdefault("type", "agent")
    c = Customer(owner=owner, owner_department_id=owner.department_id, name=name, created_by=owner, **fields)
    c.search_text = search_key(c.name, c.short_name, c.credit_code, c.phone)
    set_keys(c)  # the duplicate check's keys, as the services write them
    c.save()
    return c


def make_share(customer: Customer, *, user: User | None = None, group: ShareGroup | None = None,
               access: str = "read") -> CustomerShare:
    return CustomerShare.objects.create(customer=customer, user=user, group=group, access=access,
                                        created_by=customer.owner)


def make_group(name: str | None = None, members=()) -> ShareGroup:
    g = ShareGroup.objects.create(name=name or f"共享组{next(_seq)}")
    g.members.add(*members)
    return g


# A valid unified social credit code (check digit computed by the validator's own rule is
# tested separately against published examples).
VALID_CREDIT_CODE = "91350100M000100Y43"


def ensure_reference_rows() -> None:
    """The rows the data migrations seed (role scopes, default opportunity stages): a
    transactional test's flush (browser and PostgreSQL concurrency tests) deletes them, and a later
    test on the same worker would otherwise run without them."""
    import importlib

    from django.apps import apps

    for module in ("pharmcrm.org.migrations.0002_role_scopes", "pharmcrm.sales.migrations.0002_sales_admin_scope",
                   "pharmcrm.payments.migrations.0002_payments_scope", "pharmcrm.tenders.migrations.0002_tender_scope",
                   "pharmcrm.opportunities.migrations.0002_default_stages"):
        importlib.import_module(module).seed(apps, None)
