"""``customer_permissions`` (decided on the loaded row) says exactly what ``can_write``/``can_manage``/``can_transfer`` say."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from pharmcrm.customers.models import Customer
from pharmcrm.customers.selectors import customer_permissions
from pharmcrm.org import visibility
from tests.factories import make_customer, make_group, make_share

pytestmark = pytest.mark.django_db


def test_one_query_agrees_with_the_three_checks(org):
    own = make_customer(org.rep_pd1, "上海甲医药有限公司")
    shared_w = make_customer(org.rep_pd2, "上海乙医药有限公司")
    shared_r = make_customer(org.rep_px, "上海丙医药有限公司")
    south = make_customer(org.rep_gz, "广州丁医药有限公司")
    via_group = make_customer(org.rep_gz, "广州戊医药有限公司")
    gone = make_customer(org.rep_pd1, "上海己医药有限公司")
    pooled = make_customer(org.rep_pd2, "上海庚医药有限公司")
    make_share(shared_w, user=org.rep_pd1, access="write")
    make_share(shared_r, user=org.rep_pd1, access="read")
    make_share(via_group, group=make_group("项目组", members=[org.rep_pd1, org.finance]), access="write")
    Customer.objects.filter(pk=gone.pk).update(deleted_at=timezone.now())
    Customer.objects.filter(pk=pooled.pk).update(owner=None, owner_department=None, pool_department=org.pd)
    inactive = org.rep_px
    inactive.is_active = False
    inactive.save(update_fields=["is_active"])

    # as the pages do: the customer as it is now (the rights are decided on the row)
    customers = list(Customer.objects.filter(pk__in=[c.pk for c in (own, shared_w, shared_r, south, via_group,
                                                                    gone, pooled)]).order_by("pk"))
    users = [org.admin, org.ceo, org.east_head, org.sh_head, org.pd_head, org.rep_pd1, org.rep_pd2,
             inactive, org.south_head, org.rep_gz, org.finance]
    seen = set()
    for user in users:
        for c in customers:
            expected = {"write": visibility.can_write(user, c.pk), "manage": visibility.can_manage(user, c.pk),
                        "transfer": visibility.can_transfer(user, c.pk)}
            with CaptureQueriesContext(connection) as one:
                got = customer_permissions(actor=user, customer=c)
            assert got == expected, (user.username, c.name)
            # decided on the row: a head's subtree ids (once per request on a page), then the shares
            # only when owning or heading does not already decide it
            decisions = [x for x in one.captured_queries if "org_departmentclosure" not in x["sql"].split("FROM")[1]]
            assert len(decisions) <= (0 if got["manage"] else 1)
            assert len(one.captured_queries) - len(decisions) <= 2  # subtree, pools above (memoised)
            seen.add(tuple(sorted(got.items())))
    # the cases cover every combination that occurs: nothing, write only, write+manage, all three
    assert len(seen) >= 4
