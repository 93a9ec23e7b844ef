from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("practice", "0009_story_promoted_council_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="practicestory",
            name="sections_saved",
            field=models.JSONField(blank=True, default=dict, editable=False),
        ),
    ]
