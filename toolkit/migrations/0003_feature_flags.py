# The feature flags table (toolkit.flags).

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("toolkit", "0002_audit_events"),
    ]

    operations = [
        migrations.CreateModel(
            name="FeatureFlag",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(help_text="A flag of toolkit.flags.FLAGS.", max_length=64)),
                (
                    "scope",
                    models.CharField(
                        blank=True,
                        default="",
                        help_text='"app_label.Model" for a per-model flag; empty for all.',
                        max_length=100,
                    ),
                ),
                ("enabled", models.BooleanField(default=True)),
                (
                    "note",
                    models.TextField(
                        blank=True, help_text="Why it is switched this way (shown in the admin)."
                    ),
                ),
                ("updated_at", models.DateTimeField(auto_now=True)),
                ("updated_by", models.CharField(blank=True, max_length=150)),
            ],
            options={
                "ordering": ["name", "scope"],
                "constraints": [
                    models.UniqueConstraint(fields=("name", "scope"), name="toolkit_feature_flag_unique")
                ],
            },
        ),
    ]
