import os

import pytest
from hypothesis import HealthCheck, settings

# One definition of the browser fixtures (browser, page_as) for every area's browser tests: a
# session fixture imported into several conftests is several fixtures, and a second
# sync_playwright() in the same worker fails ("Sync API inside the asyncio loop").
pytest_plugins = ["tests.browser.fixtures"]

# Hypothesis profiles: "ci" (the default) runs >= 200 examples for the permission properties;
# "deep" runs many more (HYPOTHESIS_PROFILE=deep make test).
settings.register_profile(
    "ci", max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture],
)
settings.register_profile(
    "deep", max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                      HealthCheck.function_scoped_fixture],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    """Argon2 costs ~0.2 s a hash by design; tests create many users and do not test hashing
    (the production hasher list is asserted in tests/core/test_settings.py)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path_factory):
    """Uploaded files (qualification scans, the demo's placeholders) go to a temporary MEDIA_ROOT."""
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def org(db):
    """A small company: HQ -> 华东大区 -> 上海办事处 -> (浦东组, 浦西组); 华南大区 -> 广州办事处."""
    from tests.factories import make_admin, make_department, make_user

    hq = make_department("总部")
    east = make_department("华东大区", hq)
    sh = make_department("上海办事处", east)
    pd = make_department("浦东组", sh)
    px = make_department("浦西组", sh)
    south = make_department("华南大区", hq)
    gz = make_department("广州办事处", south)

    class Org:
        pass

    o = Org()
    o.hq, o.east, o.sh, o.pd, o.px, o.south, o.gz = hq, east, sh, pd, px, south, gz
    o.admin = make_admin("admin", department=hq, full_name="系统管理员")
    o.ceo = make_user("ceo", department=hq, heads=(hq,), full_name="总经理")
    o.east_head = make_user("east_head", department=east, heads=(east,), full_name="华东总监")
    o.sh_head = make_user("sh_head", department=sh, heads=(sh,), full_name="上海经理")
    o.pd_head = make_user("pd_head", department=pd, heads=(pd,), full_name="浦东组长")
    o.rep_pd1 = make_user("rep_pd1", department=pd, full_name="张伟")
    o.rep_pd2 = make_user("rep_pd2", department=pd, full_name="李娜")
    o.rep_px = make_user("rep_px", department=px, full_name="王芳")
    o.south_head = make_user("south_head", department=south, heads=(south,), full_name="华南总监")
    o.rep_gz = make_user("rep_gz", department=gz, full_name="刘洋")
    o.finance = make_user("finance", department=hq, roles=("finance",), full_name="财务小陈")
    return o
