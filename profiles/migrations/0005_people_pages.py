from django.db import migrations, models
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce


def count_members(apps, schema_editor):
    # As profiles.services.councils_recount counts them: members on the hub, one UPDATE for every council.
    Council = apps.get_model("profiles", "Council")
    User = apps.get_model("profiles", "User")
    counted = (
        User.objects.filter(council=OuterRef("pk"), is_active=True, erased_at__isnull=True)
        .order_by()
        .values("council")
        .annotate(n=Count("pk"))
        .values("n")
    )
    Council.objects.update(member_count=Coalesce(Subquery(counted), 0))


class Migration(migrations.Migration):
    dependencies = [("profiles", "0004_search_name_trigram")]

    operations = [
        migrations.AddField(
            model_name="council",
            name="member_count",
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        migrations.AddIndex(
            model_name="user",
            index=models.Index(
                condition=models.Q(("erased_at__isnull", True), ("is_active", True)),
                fields=["display_name", "id"],
                name="profiles_user_directory",
            ),
        ),
        migrations.AddIndex(
            model_name="user",
            index=models.Index(
                condition=models.Q(("erased_at__isnull", True), ("is_active", True)),
                fields=["council", "display_name", "id"],
                name="profiles_user_council_dir",
            ),
        ),
        # After the indexes: the count reads the second.
        migrations.RunPython(count_members, migrations.RunPython.noop, elidable=False),
    ]
