from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("communities", "0010_post_thread_newest_index"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="community",
            index=models.Index(fields=["id", "visibility"], name="communities_visibility_of"),
        ),
    ]
