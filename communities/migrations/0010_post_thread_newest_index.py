from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("communities", "0009_thread_activity_index"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="post",
            index=models.Index(
                fields=["thread", "-created_at", "-id"], name="communities_post_thread_newest"
            ),
        ),
    ]
