"""The default stages: 初步接洽 10 % → 需求确认 30 % → 方案报价 50 % → 商务谈判 70 % → 赢单 100 % / 输单 0 %."""

from django.db import migrations

STAGES = [
    ("初步接洽", 10, 10, "open"),
    ("需求确认", 30, 20, "open"),
    ("方案报价", 50, 30, "open"),
    ("商务谈判", 70, 40, "open"),
    ("赢单", 100, 50, "won"),
    ("输单", 0, 60, "lost"),
]


def seed(apps, schema_editor):
    Stage = apps.get_model("opportunities", "Stage")
    for name, probability, order, kind in STAGES:
        Stage.objects.get_or_create(name=name, defaults={"probability": probability, "order": order, "kind": kind})


class Migration(migrations.Migration):
    dependencies = [("opportunities", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
