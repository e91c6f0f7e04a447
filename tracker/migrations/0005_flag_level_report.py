import django.db.models.deletion
from django.db import migrations, models


def level_report_is_the_latest(apps, schema_editor):
    # Flags opened before this field existed: the best known answer is the latest report.
    Flag = apps.get_model("tracker", "Flag")
    Flag.objects.filter(level_report__isnull=True).update(level_report=models.F("report"))


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0004_history_reminders_notifications"),
    ]

    operations = [
        migrations.AddField(
            model_name="flag",
            name="level_report",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="tracker.report",
            ),
        ),
        migrations.AddField(
            model_name="historicalflag",
            name="level_report",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                help_text="The report that set the flag's level; the latest one may be less urgent.",
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="tracker.report",
            ),
        ),
        migrations.RunPython(level_report_is_the_latest, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="flag",
            name="level_report",
            field=models.ForeignKey(
                help_text="The report that set the flag's level; the latest one may be less urgent.",
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="tracker.report",
            ),
        ),
    ]
