from django.db import migrations


def seed(apps, schema_editor):
    RoleScope = apps.get_model("org", "RoleScope")
    # finance sees (and records) every payment; others see those of the customers they see
    RoleScope.objects.get_or_create(role="finance", area="payments", defaults={"scope": "all"})


class Migration(migrations.Migration):
    dependencies = [("payments", "0001_initial"), ("org", "0002_role_scopes")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
