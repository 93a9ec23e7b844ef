from django.db import migrations, models


class Migration(migrations.Migration):
    # The header's unread count reads the newest hundred unread lines: an index in the inbox's order lets
    # it stop after a hundred entries instead of sorting every unread line of the member (2,000 for some).
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("profiles", "0005_people_pages"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="notification", name="profiles_notif_unread"),
        migrations.AddIndex(
            model_name="notification",
            index=models.Index(
                condition=models.Q(("read_at__isnull", True)),
                fields=["recipient", "-created_at", "-id"],
                name="profiles_notif_unread_newest",
            ),
        ),
    ]
