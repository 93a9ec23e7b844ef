from django.db import migrations

TABLES = ("communities_post", "communities_thread", "communities_community")


def statistics(target: int):
    # The planner's word frequencies: with the default target (100) it keeps ~1,000 lexemes and assumes every
    # other one is in 0.16% of the posts, so a word in 50 posts gets a hash join over every readable thread.
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for table in TABLES:
                schema_editor.execute(
                    f'ALTER TABLE "{table}" ALTER COLUMN "search_vector" SET STATISTICS {target}'
                )
                schema_editor.execute(f'ANALYZE "{table}"')  # the new target counts from the next ANALYZE

    return run


class Migration(migrations.Migration):
    dependencies = [("communities", "0006_search")]

    operations = [migrations.RunPython(statistics(1000), statistics(-1), elidable=False)]
