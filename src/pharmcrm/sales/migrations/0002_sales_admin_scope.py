from django.db import migrations


def seed(apps, schema_editor):
    RoleScope = apps.get_model("org", "RoleScope")
    # sales admins (商务内勤) help every rep with orders: they see all orders (not the customers)
    RoleScope.objects.get_or_create(role="sales_admin", area="orders", defaults={"scope": "all"})


class Migration(migrations.Migration):
    dependencies = [("sales", "0001_initial"), ("org", "0002_role_scopes")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
