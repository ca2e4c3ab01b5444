import pytest

from tests.factories import make_user


@pytest.fixture
def keeper(org):
    """A warehouse clerk (仓储)."""
    return make_user("keeper", department=org.hq, roles=("warehouse",), full_name="仓管老蒋")


from tests.api.conftest import as_user  # noqa: E402,F401  the API client fixture
