from django.conf import settings as django_settings

from pharmcrm.config import settings as project_settings


def test_production_password_hasher_is_argon2():
    assert project_settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_defaults_language_timezone_debug():
    assert django_settings.LANGUAGE_CODE == "zh-hans"
    assert django_settings.TIME_ZONE == "Asia/Shanghai"
    assert django_settings.USE_TZ is True
    assert project_settings.DEBUG is False or __import__("os").environ.get("DEBUG")


def test_sqlite_connection_enforces_foreign_keys(db):
    from django.db import connection

    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA foreign_keys")
        assert cursor.fetchone()[0] == 1
