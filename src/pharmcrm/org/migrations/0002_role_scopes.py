from django.db import migrations

SCOPES = [
    ("finance", "orders", "all"),
    ("finance", "payments", "all"),
    ("finance", "invoices", "all"),
    ("warehouse", "orders", "approved"),
]


def seed(apps, schema_editor):
    RoleScope = apps.get_model("org", "RoleScope")
    for role, area, scope in SCOPES:
        RoleScope.objects.get_or_create(role=role, area=area, defaults={"scope": scope})


class Migration(migrations.Migration):
    dependencies = [("org", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
