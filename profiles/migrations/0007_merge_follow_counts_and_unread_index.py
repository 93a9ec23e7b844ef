# Merges two helpers' migrations made side by side.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("profiles", "0006_follow_counts"),
        ("profiles", "0006_notification_unread_newest_index"),
    ]

    operations = []
