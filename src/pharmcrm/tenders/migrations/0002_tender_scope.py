from django.db import migrations


def seed(apps, schema_editor):
    RoleScope = apps.get_model("org", "RoleScope")
    # tender specialists (招投标专员) run every tender: they see all tenders (not the customers)
    RoleScope.objects.get_or_create(role="tender", area="tenders", defaults={"scope": "all"})


def unseed(apps, schema_editor):
    apps.get_model("org", "RoleScope").objects.filter(role="tender", area="tenders").delete()


class Migration(migrations.Migration):
    dependencies = [("tenders", "0001_initial"), ("org", "0002_role_scopes")]
    operations = [migrations.RunPython(seed, unseed)]
