# The follow counts default to 0 in the database too: rows written without Django (the benchmarks' COPY of
# people) get 0, then their counts (benchmarks.bulk.count_follows).
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("profiles", "0007_merge_follow_counts_and_unread_index"),
    ]

    operations = [
        migrations.AlterField(
            model_name="user",
            name="follower_count",
            field=models.PositiveIntegerField(db_default=0, default=0, editable=False),
        ),
        migrations.AlterField(
            model_name="user",
            name="following_count",
            field=models.PositiveIntegerField(db_default=0, default=0, editable=False),
        ),
    ]
