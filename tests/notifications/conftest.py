import pytest


@pytest.fixture(autouse=True)
def _hooks_registered():
    """The listeners are registered at start-up; a test elsewhere may have emptied a list."""
    from pharmcrm.notifications import hooks

    hooks.register()
