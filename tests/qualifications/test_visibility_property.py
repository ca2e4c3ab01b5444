"""Property: the documents a user sees are exactly the documents of the customers the independent
reference (tests/org/reference.py) says they see — in both query shapes of org/visibility.py.

The random worlds are those of the permission property test (tests/org/test_visibility_properties.py);
each customer gets 0-3 documents in random states and expiry dates.
"""

from __future__ import annotations

import datetime

import pytest
from django.db import transaction
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from pharmcrm.org.models import User
from pharmcrm.qualifications import rules, selectors
from pharmcrm.qualifications.models import DocumentState, QualificationDocument
from tests.org.reference import load_world
from tests.org.test_visibility_properties import SHAPES, build, query_shape, worlds

docs_per_customer = st.lists(
    st.tuples(st.sampled_from(["business_licence", "drug_licence", "practice_licence"]),
              st.sampled_from([DocumentState.CURRENT, DocumentState.VOIDED]),
              st.integers(-100, 400)),
    max_size=3,
)


@pytest.mark.django_db
@hsettings(max_examples=40)
@given(spec=worlds(), docs=st.lists(docs_per_customer, min_size=14, max_size=14))
def test_visible_documents_equal_documents_of_reference_visible_customers(spec, docs):
    with transaction.atomic():
        ids = build(spec)
        customers = ids["customers"]
        today = rules.today()
        uploader = ids["users"][0]
        rows = QualificationDocument.objects.bulk_create([
            QualificationDocument(customer_id=cid, type=kind, state=state, uploaded_by_id=uploader,
                                  valid_to=today + datetime.timedelta(days=days))
            for cid, specs in zip(customers, docs, strict=False) for kind, state, days in specs
        ])
        by_customer: dict[int, set[int]] = {}
        for d in rows:
            by_customer.setdefault(d.customer_id, set()).add(d.pk)
        current = {d.pk for d in rows if d.state == DocumentState.CURRENT}
        within = {d.pk for d in rows if d.valid_to <= today + datetime.timedelta(days=90)}
        world = load_world()
        for large_volume in SHAPES.values():
            with query_shape(large_volume):
                for uid in ids["users"]:
                    user = User.objects.get(pk=uid)
                    expected = set().union(*(by_customer.get(c, set()) for c in world.visible(uid)))
                    got = set(selectors.documents_visible(user).values_list("pk", flat=True))
                    assert got == expected, (uid, got ^ expected)
                    expiring = set(selectors.qualifications_expiring(user, 90).values_list("pk", flat=True))
                    assert expiring == expected & current & within
                    for cid in customers[:3]:
                        assert selectors.can_write_documents(actor=user, customer_id=cid) == world.can_write(uid, cid)
        transaction.set_rollback(True)
