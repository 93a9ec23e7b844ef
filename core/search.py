"""Full-text documents for the hub's search (khub/search): the one definition every searchable model uses.

A searchable model declares `search_vector = search_document(("title", "A"), ("body", "C"))`: a stored
generated column, so PostgreSQL keeps it current on every insert and update, whoever writes the row
(services, admin, data migrations). Weights rank titles (A) above summaries (B) above bodies (C); English
stemming finds "housing" for "houses". A GIN index on the column (`gin_index`, PostgreSQL only) serves the
`@@` match.

PostgreSQL refuses to change the type of a column a generated column reads: a migration that alters one
of the fields named here must remove `search_vector` first and add it back after.

On SQLite, the embedded default, the same column holds the fields lower-cased in one text for a plain
substring match: simpler, but the page works and the migrations apply on both.
"""

from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import migrations, models
from django.db.models import Expression, Func, Value
from django.db.models.functions import Coalesce, Lower

SEARCH_CONFIG = "english"  # stemming and stop words: the hub writes British English


class SearchDocumentField(SearchVectorField):
    """tsvector on PostgreSQL; TEXT on SQLite, whose NUMERIC affinity for any other type name would store a
    document that looks like a number ("007") as the number."""

    def db_type(self, connection):
        return super().db_type(connection) if connection.vendor == "postgresql" else "text"


class SearchDocument(Expression):
    """The expression behind the generated column: a weighted tsvector on PostgreSQL, lower-cased text
    elsewhere. Both forms are resolved, and the connection's vendor picks one when it is compiled."""

    output_field = SearchDocumentField()

    def __init__(self, *weighted_fields: tuple[str, str]):
        super().__init__()
        self.weighted_fields = weighted_fields

    def _postgres(self):
        vectors = [
            SearchVector(name, weight=weight, config=SEARCH_CONFIG) for name, weight in self.weighted_fields
        ]
        document = vectors[0]
        for vector in vectors[1:]:
            document = document + vector
        return document

    def _plain(self):
        # One flat "a || ' ' || b" (Concat nests a pair per field, which overflows SQLite's parser).
        fields = [Coalesce(name, Value("")) for name, _weight in self.weighted_fields]
        return Lower(
            Func(
                *fields,
                template="(%(expressions)s)",
                arg_joiner=" || ' ' || ",
                output_field=models.TextField(),
            )
        )

    def resolve_expression(self, query=None, allow_joins=True, reuse=None, summarize=False, for_save=False):
        resolved = self.copy()
        resolved.postgres = self._postgres().resolve_expression(
            query, allow_joins, reuse, summarize, for_save
        )
        resolved.plain = self._plain().resolve_expression(query, allow_joins, reuse, summarize, for_save)
        return resolved

    def as_sql(self, compiler, connection):
        return compiler.compile(self.postgres if connection.vendor == "postgresql" else self.plain)

    def __eq__(self, other):
        return isinstance(other, SearchDocument) and self.weighted_fields == other.weighted_fields

    def __hash__(self):
        return hash(self.weighted_fields)


def search_document(*weighted_fields: tuple[str, str]) -> models.GeneratedField:
    return models.GeneratedField(
        expression=SearchDocument(*weighted_fields), output_field=SearchDocumentField(), db_persist=True
    )


class SearchDocumentManager(models.Manager):
    """Leaves the document out of every ordinary read: pages never need it, and it is as long as the text.
    Searchable models make it their base manager too (Meta.base_manager_name), so that following a relation
    (post.thread) leaves it out as well."""

    def get_queryset(self):
        return super().get_queryset().defer("search_vector")


def gin_index(table: str, name: str) -> migrations.RunPython:
    """A migration step: the GIN index behind `search_vector @@ query`, on PostgreSQL only (SQLite has no
    GIN). Not in the model's Meta for that reason."""

    def create(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(
                f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" USING gin ("search_vector")'
            )

    def drop(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')

    return migrations.RunPython(create, drop, elidable=False)
