from django.db import migrations


def statistics(target: int):
    # As communities 0007: the planner's word frequencies for the stories' documents.
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(
                f'ALTER TABLE "practice_practicestory" ALTER COLUMN "search_vector" SET STATISTICS {target}'
            )
            schema_editor.execute('ANALYZE "practice_practicestory"')

    return run


class Migration(migrations.Migration):
    dependencies = [("practice", "0002_search")]

    operations = [migrations.RunPython(statistics(1000), statistics(-1), elidable=False)]
