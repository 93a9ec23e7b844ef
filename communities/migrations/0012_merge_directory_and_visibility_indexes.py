# Merges two helpers' migrations made side by side.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("communities", "0010_directory_indexes"),
        ("communities", "0011_community_visibility_index"),
    ]

    operations = []
