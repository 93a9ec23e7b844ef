from django.db import migrations, models


def create_name_trigram(apps, schema_editor):
    # The directory's name search (communities.selectors.communities_directory): `UPPER(name) %> query`
    # and `UPPER(name) LIKE '%QUERY%'`, both answered by one trigram index (pg_trgm: profiles 0002).
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            'CREATE INDEX IF NOT EXISTS "communities_name_trgm" ON "communities_community" '
            'USING gin (UPPER("name"::text) gin_trgm_ops)'
        )


def drop_name_trigram(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute('DROP INDEX IF EXISTS "communities_name_trgm"')


class Migration(migrations.Migration):
    # The directory's sorts walk an index to their page instead of sorting every community, and its count
    # of the communities a member may see reads a narrow index instead of every wide row.
    dependencies = [
        ("communities", "0009_thread_activity_index"),
        ("profiles", "0004_search_name_trigram"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="community", name="communities_member__b80a75_idx"),
        migrations.AddIndex(
            model_name="community",
            index=models.Index(fields=["-last_activity_at", "name"], name="communities_dir_activity"),
        ),
        migrations.AddIndex(
            model_name="community",
            index=models.Index(fields=["-member_count", "name"], name="communities_dir_members"),
        ),
        migrations.AddIndex(
            model_name="community",
            index=models.Index(fields=["visibility", "id"], name="communities_dir_visible"),
        ),
        migrations.RunPython(create_name_trigram, drop_name_trigram, elidable=False),
    ]
