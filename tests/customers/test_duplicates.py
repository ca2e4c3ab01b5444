"""The duplicate check: what matches, what a match says, blocking on create/edit, batches."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from pharmcrm.core.errors import ApplicationError
from pharmcrm.customers import duplicates, services
from pharmcrm.customers.duplicates import (
    DuplicateError,
    duplicate_check_batch,
    duplicate_check_claim,
    duplicate_find,
    rekey_customers,
)
from pharmcrm.customers.models import Customer
from tests.factories import VALID_CREDIT_CODE, make_customer, make_share

pytestmark = pytest.mark.django_db


@pytest.fixture
def existing(org):
    """张伟 (浦东组) owns 国药控股（上海）有限公司 with a credit code and a landline."""
    return make_customer(org.rep_pd1, "国药控股（上海）有限公司", credit_code=VALID_CREDIT_CODE,
                         phone="021-5888 8888", address="浦东新区张江路88号", notes="机密备注")


def _pool(customer, department):
    Customer.objects.filter(pk=customer.pk).update(owner=None, owner_department=None, pool_department=department)


def test_matches_on_each_criterion(org, existing):
    actor = org.rep_gz
    (m,) = duplicate_find(actor=actor, name="国药控股上海有限责任公司")
    assert m.matched_on == ("name",)
    (m,) = duplicate_find(actor=actor, credit_code=VALID_CREDIT_CODE.lower())
    assert m.matched_on == ("credit_code",)
    (m,) = duplicate_find(actor=actor, phone="+86 21 58888888")
    assert m.matched_on == ("phone",)
    (m,) = duplicate_find(actor=actor, name="国药控股 上海", credit_code=VALID_CREDIT_CODE, phone="02158888888")
    assert m.matched_on == ("credit_code", "name", "phone")
    assert duplicate_find(actor=actor, name="国药控股北京有限公司", phone="021-58888889") == []
    assert duplicate_find(actor=actor) == []


def test_a_match_tells_owner_and_department_only(org, existing):
    (m,) = duplicate_find(actor=org.rep_gz, name="国药控股上海")
    assert (m.owner, m.department, m.in_pool) == ("张伟", "浦东组", False)
    assert m.customer_id is None and m.customer_name is None and m.deleted is None and not m.visible
    assert m.as_dict() == {"matched_on": ["name"], "owner": "张伟", "department": "浦东组", "in_pool": False,
                           "ref": m.ref}
    assert m.ref == duplicates.match_ref(org.rep_gz, existing.pk)  # an HMAC: the id cannot be read back


def test_a_visible_match_links_to_the_customer(org, existing):
    for viewer in (org.rep_pd1, org.pd_head, org.sh_head, org.admin):
        (m,) = duplicate_find(actor=viewer, name="国药控股上海")
        assert m.customer_id == existing.pk and m.customer_name == existing.name and m.deleted is False, viewer
    make_share(existing, user=org.rep_gz)
    (m,) = duplicate_find(actor=org.rep_gz, name="国药控股上海")
    assert m.customer_id == existing.pk
    for peer in (org.rep_pd2, org.rep_px, org.south_head, org.finance):
        (m,) = duplicate_find(actor=peer, name="国药控股上海")
        assert m.customer_id is None, peer


def test_ref_is_per_actor(org, existing):
    a = duplicate_find(actor=org.rep_gz, name="国药控股上海")[0].ref
    b = duplicate_find(actor=org.rep_px, name="国药控股上海")[0].ref
    assert a != b and len(a) == 24


def test_recycle_bin_counts_merged_does_not(org, existing):
    Customer.objects.filter(pk=existing.pk).update(deleted_at=timezone.now(), deleted_by=org.rep_pd1)
    (m,) = duplicate_find(actor=org.rep_gz, name="国药控股上海")
    assert m.owner == "张伟" and m.deleted is None  # invisible: not even whether it is deleted
    (m,) = duplicate_find(actor=org.rep_pd1, name="国药控股上海")
    assert m.deleted is True
    other = make_customer(org.rep_pd2, "别的公司")
    Customer.objects.filter(pk=existing.pk).update(merged_into=other)
    assert duplicate_find(actor=org.rep_gz, name="国药控股上海") == []


def test_pool_customer_match(org, existing):
    _pool(existing, org.sh)
    (m,) = duplicate_find(actor=org.rep_gz, name="国药控股上海")
    assert (m.owner, m.department, m.in_pool) == ("公海", "上海办事处", True)
    with pytest.raises(DuplicateError) as exc:
        services.customer_create(actor=org.rep_gz, data={"name": "国药控股上海", "type": "agent"})
    assert "上海办事处" in exc.value.message and exc.value.matches[0].in_pool


def test_strongest_match_first_and_capped(org):
    weak = make_customer(org.rep_pd1, "康泰医药", phone="13800138000")
    strong = make_customer(org.rep_px, "别名医药", phone="13800138000", credit_code=VALID_CREDIT_CODE)
    matches = duplicate_find(actor=org.admin, name="康泰医药", phone="13800138000", credit_code=VALID_CREDIT_CODE)
    assert [m.customer_id for m in matches] == [strong.pk, weak.pk]
    assert [m.matched_on for m in matches] == [("credit_code", "phone"), ("name", "phone")]
    for i in range(duplicates.MAX_MATCHES + 5):
        make_customer(org.rep_pd1, f"同号客户{i}", phone="13900000000")
    assert len(duplicate_find(actor=org.admin, phone="13900000000")) == duplicates.MAX_MATCHES


def test_find_is_a_constant_number_of_queries(org, existing, django_assert_max_num_queries):
    duplicate_find(actor=org.rep_gz, name="国药控股上海")  # warm up the user's cached roles and departments
    with django_assert_max_num_queries(3):
        duplicate_find(actor=org.rep_gz, name="国药控股上海", phone="021-58888888", credit_code=VALID_CREDIT_CODE)


# --- blocking --------------------------------------------------------------------------------

def test_create_is_blocked_with_structured_matches(org, existing):
    data = {"name": "国药控股上海有限公司", "type": "distributor", "phone": "+86 21 5888 8888"}
    with pytest.raises(ApplicationError) as exc:
        services.customer_create(actor=org.rep_gz, data=data)
    err = exc.value
    assert isinstance(err, DuplicateError) and err.code == "duplicate"
    assert set(err.fields) == {"name", "phone"}
    assert "张伟" in err.message and "浦东组" in err.message
    assert "国药控股（上海）" not in err.message
    (m,) = err.matches
    assert m.matched_on == ("name", "phone")
    assert err.api_extra() == {"matches": [m.as_dict()]}
    assert not Customer.objects.filter(owner=org.rep_gz).exists()


def test_create_by_the_owner_is_blocked_too(org, existing):
    with pytest.raises(DuplicateError) as exc:
        services.customer_create(actor=org.rep_pd1, data={"name": "x", "type": "agent",
                                                          "credit_code": VALID_CREDIT_CODE})
    assert exc.value.matches[0].customer_id == existing.pk


def test_create_without_duplicate_stores_keys(org, existing):
    c = services.customer_create(actor=org.rep_gz, data={"name": "广州（白云）医药有限公司", "type": "agent",
                                                         "phone": "+86 20 8888 1234"})
    assert (c.name_key, c.phone_key) == ("广州白云医药", "02088881234")


def test_update_is_blocked_only_when_name_code_or_phone_changes(org, existing):
    mine = make_customer(org.rep_gz, "广州医药有限公司", phone="020-88881234")
    with pytest.raises(DuplicateError) as exc:
        services.customer_update(actor=org.rep_gz, customer_id=mine.pk, data={"name": "国药控股（上海）"})
    assert exc.value.fields.keys() == {"name"}
    mine.refresh_from_db()
    assert mine.name == "广州医药有限公司"
    with pytest.raises(DuplicateError):
        services.customer_update(actor=org.rep_gz, customer_id=mine.pk, data={"phone": "(021) 58888888"})
    with pytest.raises(DuplicateError):
        services.customer_update(actor=org.rep_gz, customer_id=mine.pk, data={"credit_code": VALID_CREDIT_CODE})
    # writing the same thing differently is not a change of key: no check, no block
    services.customer_update(actor=org.rep_gz, customer_id=mine.pk, data={"phone": "020 8888 1234"})
    # an old duplicate (from before the check) does not block editing other fields
    Customer.objects.filter(pk=mine.pk).update(name_key=existing.name_key)
    services.customer_update(actor=org.rep_gz, customer_id=mine.pk, data={"address": "广州市白云区"})
    # nor does the customer match itself
    services.customer_update(actor=org.rep_pd1, customer_id=existing.pk, data={"name": "国药控股上海有限公司"})


def test_claim_check_ignores_other_pool_customers(org, existing):
    pooled = make_customer(org.rep_px, "国药控股上海")
    _pool(pooled, org.sh)
    with pytest.raises(DuplicateError) as exc:
        duplicate_check_claim(actor=org.rep_pd2, customer=Customer.objects.get(pk=pooled.pk))
    assert exc.value.matches[0].owner == "张伟"
    _pool(existing, org.sh)
    duplicate_check_claim(actor=org.rep_pd2, customer=Customer.objects.get(pk=pooled.pk))


def test_rekey_fills_keys(org):
    c = make_customer(org.rep_pd1, "国药控股（上海）有限公司", phone="+86 21 5888 8888")
    Customer.objects.filter(pk=c.pk).update(name_key="", phone_key="")
    assert rekey_customers() == 1
    c.refresh_from_db()
    assert (c.name_key, c.phone_key) == ("国药控股上海", "02158888888")
    assert rekey_customers() == 0


# --- batches (import) ------------------------------------------------------------------------

def test_batch_finds_existing_and_within_batch_duplicates(org, existing):
    rows = [
        {"name": "国药控股上海股份有限公司"},  # 0: existing (name)
        {"name": "康泰医药有限公司", "phone": "13800138000"},  # 1: row 2 (phone) and row 3 (name)
        {"name": "美康医药", "phone": "+86 138 0013 8000"},  # 2: row 1 (phone)
        {"name": "康泰医药", "credit_code": VALID_CREDIT_CODE},  # 3: existing (code), row 1 (name)
        {"name": "全新客户"},  # 4: nothing
        {"name": "国药控股上海", "exclude_id": existing.pk},  # 5: updates existing itself; row 0 (name)
    ]
    result = duplicate_check_batch(actor=org.rep_gz, rows=rows)
    assert len(result) == len(rows)
    assert [(m.matched_on, m.owner, m.row) for m in result[0]] == [(("name",), "张伟", None), (("name",), "", 5)]
    assert [(m.matched_on, m.row) for m in result[1]] == [(("phone",), 2), (("name",), 3)]
    assert [(m.matched_on, m.row) for m in result[2]] == [(("phone",), 1)]
    assert [(m.matched_on, m.row, m.owner) for m in result[3]] == [(("credit_code",), None, "张伟"),
                                                                     (("name",), 1, "")]
    assert result[4] == []
    assert [(m.matched_on, m.row) for m in result[5]] == [(("name",), 0)]
    assert result[0][0].customer_id is None  # invisible to 刘洋
    assert duplicate_check_batch(actor=org.rep_pd1, rows=rows[:1])[0][0].customer_id == existing.pk
    assert result[0][1].as_dict() == {"matched_on": ["name"], "row": 5}


def test_batch_agrees_with_single_checks(org, existing):
    make_customer(org.rep_px, "康泰医药", phone="13800138000")
    rows = [{"name": f"客户{i}", "phone": "13800138000" if i % 3 == 0 else ""} for i in range(12)]
    rows += [{"name": "康泰医药有限公司"}, {"credit_code": VALID_CREDIT_CODE}]
    batch = duplicate_check_batch(actor=org.rep_gz, rows=rows)
    for row, found in zip(rows, batch, strict=True):
        single = duplicate_find(actor=org.rep_gz, name=row.get("name", ""), phone=row.get("phone", ""),
                                credit_code=row.get("credit_code", ""))
        assert [m for m in found if m.row is None] == single


def test_batch_uses_a_constant_number_of_queries(org, existing):
    def count(n):
        rows = [{"name": f"国药控股上海{i % 2 or ''}", "phone": f"1380013{i:04d}"} for i in range(n)]
        with CaptureQueriesContext(connection) as ctx:
            duplicate_check_batch(actor=org.rep_gz, rows=rows)
        return len(ctx.captured_queries)

    count(1)  # warm up the user's cached roles and departments
    assert count(5) == count(200) == count(duplicates.BATCH_CHUNK) <= 3
    assert duplicate_check_batch(actor=org.rep_gz, rows=[]) == []
