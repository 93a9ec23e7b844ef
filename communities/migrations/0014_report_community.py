# A report carries its post's community, so a community's open reports come from their own index.

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def fill(apps, schema_editor):
    PostReport = apps.get_model("communities", "PostReport")
    Post = apps.get_model("communities", "Post")
    community = Post.objects.filter(pk=OuterRef("post_id")).values("thread__community")[:1]
    PostReport.objects.update(community=Subquery(community))


class Migration(migrations.Migration):
    dependencies = [
        ("communities", "0013_search_access_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="postreport",
            name="community",
            field=models.ForeignKey(
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="communities.community",
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=False),
        migrations.AlterField(
            model_name="postreport",
            name="community",
            field=models.ForeignKey(
                editable=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="communities.community",
            ),
        ),
        migrations.AddIndex(
            model_name="postreport",
            index=models.Index(
                condition=models.Q(("state", "open")),
                fields=["community", "-created_at", "-id"],
                name="communities_report_open",
            ),
        ),
    ]
