"""Policy versions get the instant they take effect (the existing ones: when they were recorded),
the instant they were published, the summary of what changed, and the calendars their tickets
run on."""

from django.db import migrations, models


def effective_from_created(apps, schema_editor):  # type: ignore[no-untyped-def]
    PolicyVersion = apps.get_model("policies", "PolicyVersion")
    PolicyVersion.objects.update(effective_at=models.F("created_at"))


class Migration(migrations.Migration):
    dependencies = [("policies", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="policyversion",
            name="effective_at",
            field=models.DateTimeField(null=True, verbose_name="em vigor desde"),
        ),
        migrations.RunPython(effective_from_created, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="policyversion",
            name="effective_at",
            field=models.DateTimeField(db_index=True, verbose_name="em vigor desde"),
        ),
        migrations.AlterField(
            model_name="policyversion",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True, verbose_name="registrada em"),
        ),
        migrations.AddField(
            model_name="policyversion",
            name="published_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="publicada em"),
        ),
        migrations.AddField(
            model_name="policyversion",
            name="summary",
            field=models.TextField(blank=True, verbose_name="o que mudou"),
        ),
        migrations.AddField(
            model_name="policyversion",
            name="calendars_sha",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AlterModelOptions(
            name="policyversion",
            options={
                "ordering": ["-effective_at", "-id"],
                "verbose_name": "versão da política",
                "verbose_name_plural": "versões da política",
            },
        ),
    ]
