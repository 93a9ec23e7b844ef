from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("practice", "0008_council_story_index"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="practicestory",
            index=models.Index(
                condition=models.Q(("promoted_at__isnull", False), ("status", "published")),
                fields=["council"],
                name="practice_story_promoted_in",
            ),
        ),
    ]
