from django.db import migrations, models
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce


def count_follows(apps, schema_editor):
    # As profiles.services.follow_counts_change keeps them: the follows from, and to, members on the hub,
    # one UPDATE for every member.
    User = apps.get_model("profiles", "User")
    Follow = apps.get_model("profiles", "Follow")
    on_the_hub = {"is_active": True, "erased_at__isnull": True}
    followers = (
        Follow.objects.filter(followed=OuterRef("pk"), **{f"follower__{k}": v for k, v in on_the_hub.items()})
        .order_by()
        .values("followed")
        .annotate(n=Count("pk"))
        .values("n")
    )
    following = (
        Follow.objects.filter(follower=OuterRef("pk"), **{f"followed__{k}": v for k, v in on_the_hub.items()})
        .order_by()
        .values("follower")
        .annotate(n=Count("pk"))
        .values("n")
    )
    User.objects.update(
        follower_count=Coalesce(Subquery(followers), 0), following_count=Coalesce(Subquery(following), 0)
    )


class Migration(migrations.Migration):
    dependencies = [("profiles", "0005_people_pages")]

    operations = [
        migrations.AddField(
            model_name="user",
            name="follower_count",
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        migrations.AddField(
            model_name="user",
            name="following_count",
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        migrations.RunPython(count_follows, migrations.RunPython.noop, elidable=False),
    ]
