"""The demo's contacts (demo/gen_contacts.py): deterministic, realistic, loaded through the services.

The whole demo company (with its contacts) is loaded by tests/demo; here the plan is checked
without a database, and the loader on a small company."""

from __future__ import annotations

import datetime
from collections import Counter
from types import SimpleNamespace

import pytest
from django.utils import timezone

from pharmcrm.contacts import selectors
from pharmcrm.contacts.models import BusinessRole, Contact, Employment
from pharmcrm.contacts.occasions import contact_birthdays
from pharmcrm.demo.gen_contacts import JOBS, contacts_load, contacts_plan
from pharmcrm.demo.generator import demo_plan


@pytest.fixture(scope="module")
def plan():
    p = demo_plan(7)
    return p, contacts_plan(7, p.customers, set(p.deleted))


def test_same_seed_same_contacts(plan):
    p, people = plan
    assert contacts_plan(7, p.customers, set(p.deleted)) == people
    assert contacts_plan(8, p.customers, set(p.deleted)) != people


def test_the_plan_is_realistic(plan):
    p, people = plan
    with_people = {x.job.customer for x in people}
    live = [i for i in range(len(p.customers)) if i not in set(p.deleted)]
    assert len(with_people) >= 0.5 * len(live)
    assert not with_people & set(p.deleted)
    per_customer = Counter(x.job.customer for x in people)
    assert max(per_customer.values()) <= 4
    for x in people:
        kind = p.customers[x.job.customer].data["type"]
        assert x.job.role in {r for r, *_rest in JOBS[kind][2]} | {BusinessRole.OWNER}, (kind, x.job)
        if x.job.role == BusinessRole.OTHER:
            assert x.job.role_other
    hospital_roles = Counter(x.job.role for x in people if p.customers[x.job.customer].data["type"] == "hospital")
    assert hospital_roles[BusinessRole.PHARMACY_DIRECTOR] and hospital_roles[BusinessRole.PURCHASING]
    agent_roles = Counter(x.job.role for x in people if p.customers[x.job.customer].data["type"] == "agent")
    assert agent_roles[BusinessRole.OWNER] + agent_roles[BusinessRole.GENERAL_MANAGER] > agent_roles.total() / 2
    assert sum(1 for x in people if x.move) >= 10 and sum(1 for x in people if x.left_days_ago) >= 3
    assert sum(1 for x in people if x.birthday_in is not None) >= 10
    assert len({x.name for x in people}) > 0.9 * len(people)


@pytest.mark.django_db
def test_load_a_small_company(org, book):
    customers = [
        SimpleNamespace(owner="rep_pd1", data={"type": "hospital", "credit_code": "x", "phone": "021-50001234",
                                               "name": book.pd1.name}, age_days=400),
        SimpleNamespace(owner="rep_pd1", data={"type": "agent", "credit_code": "x", "phone": "",
                                               "name": book.pd1b.name}, age_days=300),
        SimpleNamespace(owner="rep_pd2", data={"type": "distributor", "credit_code": "x", "phone": "021-1",
                                               "name": book.pd2.name}, age_days=200),
    ]
    ids = [book.pd1.pk, book.pd1b.pk, book.pd2.pk]
    users = {u.username: u for u in (org.rep_pd1, org.rep_pd2)}
    people = []
    for seed in range(40):  # enough draws for moves, departures and birthdays next week
        people = contacts_plan(seed, customers, set())
        if any(x.move for x in people) and any(x.birthday_in is not None for x in people):
            break
    counts = contacts_load(people=people, customers=customers, customer_ids=ids, users=users, admin=org.admin)
    assert counts["contacts"] == len(people) == Contact.objects.count()
    assert counts["contacts_moved"] == Employment.objects.filter(end_date__isnull=False).count() - counts[
        "contacts_left"]
    for c in Contact.objects.all():
        assert c.created_at <= timezone.now() and c.search_text
    # every contact is visible to the owner of a customer they worked at
    for x, c in zip(people, Contact.objects.order_by("id"), strict=True):
        owner = users[customers[x.job.customer].owner]
        assert selectors.visible_contacts(owner).filter(pk=c.pk).exists()
    soon = contact_birthdays(actor=org.admin, start=timezone.localdate(), days=7)
    assert {o.contact.name for o in soon if o.kind == "birthday"} >= {
        x.name for x in people if x.birthday_in is not None}
    assert all(o.date - timezone.localdate() < datetime.timedelta(days=7) for o in soon)
