import pytest

from tests.opportunities.helpers import make_book


@pytest.fixture
def book(org):
    return make_book(org)


@pytest.fixture
def web_as(client):
    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture
def api_as(db):
    from tests.api.conftest import ApiClient

    clients: dict = {}

    def make(user):
        if user.pk not in clients:
            clients[user.pk] = ApiClient(user)
        return clients[user.pk]

    return make


@pytest.fixture(autouse=True)
def _reference_rows(db):
    """Role scopes and default stages, which a transactional test's flush deletes."""
    from tests.factories import ensure_reference_rows

    ensure_reference_rows()
