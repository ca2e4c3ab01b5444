"""Property: whatever users do with a customer's shipping addresses, exactly one active address is the
default while any is active, and none when none is (hypothesis over random operation sequences)."""

from __future__ import annotations

import pytest
from django.db import transaction
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from pharmcrm.core.errors import ApplicationError
from pharmcrm.customers import profile_services as ps
from pharmcrm.customers.models import ShippingAddress
from tests.customers.profile_helpers import ADDRESS
from tests.factories import make_customer, make_department, make_user

pytestmark = pytest.mark.django_db

OPS = st.lists(
    st.one_of(
        st.tuples(st.just("create"), st.booleans()),
        st.tuples(st.sampled_from(["default", "deactivate", "reactivate", "update_default", "update_notes"]),
                  st.integers(min_value=0, max_value=7)),
    ),
    min_size=1, max_size=25,
)


def check_invariant(customer) -> None:
    rows = list(ShippingAddress.objects.filter(customer=customer).values_list("is_active", "is_default"))
    active = [d for a, d in rows if a]
    defaults = [(a, d) for a, d in rows if d]
    if active:
        assert defaults == [(True, True)], rows
    else:
        assert defaults == [], rows


@hsettings(max_examples=max(100, hsettings.default.max_examples // 2))
@given(ops=OPS)
def test_exactly_one_default_while_any_address_is_active(ops):
    with transaction.atomic():
        dept = make_department("测试组")
        user = make_user(department=dept)
        customer = make_customer(user, "属性测试客户")
        ids: list[int] = []
        for op, arg in ops:
            try:
                if op == "create":
                    ids.append(ps.shipping_address_create(actor=user, customer_id=customer.pk,
                                                          data={**ADDRESS, "is_default": arg}).pk)
                elif ids:
                    target = ids[arg % len(ids)]
                    if op == "default":
                        ps.shipping_address_set_default(actor=user, customer_id=customer.pk, address_id=target)
                    elif op == "deactivate":
                        ps.shipping_address_deactivate(actor=user, customer_id=customer.pk, address_id=target)
                    elif op == "reactivate":
                        ps.shipping_address_reactivate(actor=user, customer_id=customer.pk, address_id=target)
                    elif op == "update_default":
                        ps.shipping_address_update(actor=user, customer_id=customer.pk, address_id=target,
                                                   data={"is_default": True})
                    else:
                        ps.shipping_address_update(actor=user, customer_id=customer.pk, address_id=target,
                                                   data={"notes": f"第{arg}次"})
            except ApplicationError as exc:
                # only the documented refusals: making an inactive address the default
                assert exc.code == "inactive", exc.code
            check_invariant(customer)
            if op == "create" and arg:  # asked to be the default: it is
                assert ShippingAddress.objects.get(pk=ids[-1]).is_default
        transaction.set_rollback(True)
