from django.db import DatabaseError, migrations, transaction


def compression(method: str):
    # A chunk writes 500 built digests' sections (about 7 KB of JSON each, stored compressed out of line) in
    # one UPDATE: compressing them with lz4 rather than PostgreSQL's default pglz halves its time. Rows
    # written before keep pglz. A server built without lz4 refuses the setting: it keeps pglz too.
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        try:
            with transaction.atomic():
                schema_editor.execute(
                    f'ALTER TABLE "khub_digestdelivery" ALTER COLUMN "sections" SET COMPRESSION {method}'
                )
        except DatabaseError:
            pass

    return run


class Migration(migrations.Migration):
    dependencies = [("khub", "0001_initial")]

    operations = [migrations.RunPython(compression("lz4"), compression("pglz"), elidable=False)]
