"""Load the administrative divisions from core/data/regions.csv (bulk; see core/regions_load.py).

A newer data file is loaded with ``manage.py regions_load`` (or a later data migration calling
the same function): it adds, renames and deactivates, never deletes.
"""

from django.db import migrations


def load(apps, schema_editor):
    from pharmcrm.core.regions_load import regions_read, regions_sync

    regions_sync(apps.get_model("core", "Region"), regions_read())


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0003_region"),
    ]

    operations = [
        migrations.RunPython(load, migrations.RunPython.noop, elidable=False),
    ]
