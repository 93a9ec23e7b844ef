from django.db import migrations


def create(apps, schema_editor):
    # Search's people matching (profiles.providers._people): `UPPER(display_name) %> query` and
    # `UPPER(display_name) LIKE '%QUERY%'`, both served by one trigram index, instead of scoring every member.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            'CREATE INDEX IF NOT EXISTS "profiles_user_name_trgm" ON "profiles_user" '
            'USING gin (UPPER("display_name"::text) gin_trgm_ops)'
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute('DROP INDEX IF EXISTS "profiles_user_name_trgm"')


class Migration(migrations.Migration):
    dependencies = [("profiles", "0003_email_preferences")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
