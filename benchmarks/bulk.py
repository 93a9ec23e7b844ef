"""Pieces the generators of benchmarks/search.py and benchmarks/national.py share: text of Zipf-distributed
words (Writer), the names of people, places and councils, weighted draws, and loading with COPY (plain
indexes dropped before the load and rebuilt from their own definitions after it, foreign keys checked in
bulk)."""

import math
import random
import re
import time
from itertools import accumulate

import psycopg


# --- Text -------------------------------------------------------------------------------------------
def words(text: str) -> list[str]:
    return text.split()


STOP_WORDS = words(
    "the and to of a in we for is that on with our it was this as be at by from have are they has an "
    "but not or all their which were been more when there so can into than them its about also after "
    "what how some us"
)
# The head of the Zipf vocabulary: real words a local-government hub uses all the time.
HEAD_WORDS = words(
    "team support work people data time plan local staff budget report change help year project "
    "families school policy funding review process health partners officers board meeting strategy "
    "outcomes cost savings pilot demand waiting cases online form tenants repairs homes recycling roads "
    "parking volunteers training recruitment contract procurement supplier system software website "
    "feedback survey consultation engagement equality climate energy carbon youth older disabled "
    "benefits debt rent arrears enforcement inspection audit risk performance targets improvement "
    "evidence evaluation cabinet scrutiny election ward parish county district borough mayor government "
    "grant capital revenue forecast overspend reserves pension workforce sickness agency vacancy manager "
    "director assessment referral safeguarding hospital pharmacy questions answer learning approach "
    "pressures mornings weekend phone visits letters backlog queue caseload tablets laptops dashboard "
    "spreadsheet meetings workshop interviews mapping journey leaflets translation appointments"
)
# UK local-government words and phrases, most common first (their own Zipf curve): in many sentences.
LOCAL_GOV = (
    "council",
    "housing",
    "residents",
    "planning",
    "adult social care",
    "services",
    "children's services",
    "council tax",
    "temporary accommodation",
    "homelessness",
    "waste collection",
    "social workers",
    "school transport",
    "care homes",
    "planning applications",
    "local plan",
    "highways",
    "potholes",
    "libraries",
    "early help",
    "discharge to assess",
    "digital inclusion",
    "data sharing",
    "domestic abuse",
    "fly-tipping",
    "housing benefit",
    "universal credit",
    "youth services",
    "public health",
    "air quality",
    "net zero",
    "leisure centres",
    "contact centre",
    "freedom of information",
    "licensing",
    "parking permits",
    "building control",
    "cost of living",
    "rough sleeping",
    "special educational needs",
)
ONSETS = words("b c d f g h j k l m n p r s t v w z br cr dr fr gr pr tr bl cl fl gl pl sl sk sp st sh ch th")
VOWELS = words("a e i o u ai ea oa oo ou")
CODAS = ["", "", "n", "r", "l", "m", "t", "k", "nd", "rt", "ng", "x"]
FIRST_NAMES = words(
    "Priya Tom Aisha Gareth Hannah Kwame Siobhan Daniel Mei Oliver Fatima James Chloe Rhys Amara Liam "
    "Sophie Mohammed Grace Owen Zainab Ben Niamh Adebayo Lucy Callum Ewa Harry Ruth Imran"
)
LAST_NAMES = words(
    "Shah Whitaker Okafor Pritchard Nowak Mensah Doyle Hughes Chen Patel Evans Begum Campbell Murphy "
    "Kowalski Ahmed Thompson Jones Williams Osei Walsh Khan Roberts Singh Davies Morgan Bell Clarke "
    "Reid Hussain"
)
PLACES = words(
    "Ashford Barnsley Bedford Blackburn Bolton Bradford Brighton Bristol Bury Calderdale Cambridge "
    "Camden Cardiff Carlisle Chelmsford Cheshire Colchester Coventry Croydon Darlington Derby Doncaster "
    "Dorset Dudley Durham Ealing Enfield Exeter Gateshead Gloucester Hackney Halton Haringey Harrow "
    "Hartlepool Hastings Hertford Hull Ipswich Islington Kent Kirklees Knowsley Lambeth Lancaster Leeds "
    "Leicester Lewisham Lincoln Liverpool Luton Maidstone Manchester Medway Merton Middlesbrough "
    "Newcastle Newham Norfolk Northampton Norwich Nottingham Oldham Oxford Peterborough Plymouth Poole "
    "Portsmouth Preston Reading Redbridge Rochdale Rotherham Salford Sandwell Sefton Sheffield Slough "
    "Solihull Southampton Southwark Stockport Stockton Sunderland Surrey Sutton Swansea Swindon "
    "Tameside Telford Thurrock Torbay Trafford Wakefield Walsall Warrington Westminster Wigan Wirral "
    "Wolverhampton Worcester Wrexham York"
)
COUNCIL_SUFFIXES = ("City Council", "Borough Council", "District Council", "County Council")
JOB_TITLES = (
    "Service Manager",
    "Head of Housing",
    "Social Worker",
    "Planning Officer",
    "Data Analyst",
    "Customer Services Lead",
    "Commissioning Manager",
    "Policy Officer",
    "Digital Lead",
    "Team Manager",
)
COMMUNITY_NOUNS = ("network", "forum", "practitioners", "community of practice", "leads group")


def pseudo_words(rng: random.Random, n: int) -> list[str]:
    """n distinct made-up words of two to four syllables, shortest first (common words are short)."""
    words: dict[str, None] = {}  # a dict, not a set: its order does not depend on the hash seed
    while len(words) < n:
        syllables = rng.choice((2, 2, 3, 3, 3, 4))
        words[
            "".join(rng.choice(ONSETS) + rng.choice(VOWELS) + rng.choice(CODAS) for _ in range(syllables))
        ] = None
    return sorted(words, key=len)


def vocabulary(conn, rng: random.Random, size: int) -> list[str]:
    """Zipf-ranked words, each with its own lexeme under PostgreSQL's English configuration (so a word's
    matches are exactly the posts it was written into), none of them a stop word or a local-government
    word's lexeme."""
    candidates = HEAD_WORDS + pseudo_words(rng, int(size * 1.2) + 100)
    rows = conn.execute(
        "SELECT word, plainto_tsquery('english', word)::text FROM unnest(%s::text[]) WITH ORDINALITY "
        "AS given(word, n) ORDER BY n",
        [candidates],
    ).fetchall()
    # plainto_tsquery quotes each lexeme ('hous'): the local-government words' lexemes, quoted alike.
    taken = {
        f"'{lexeme}'"
        for (lexeme,) in conn.execute(
            "SELECT unnest(tsvector_to_array(to_tsvector('english', %s)))", [" ".join(LOCAL_GOV)]
        ).fetchall()
    }
    words = []
    for word, query in rows:
        if not re.fullmatch(r"'[^' ]+'", query) or query in taken:
            continue
        taken.add(query)
        words.append(word)
        if len(words) == size:
            break
    return words


class Writer:
    """Sentences of Zipf-distributed words, stop words and local-government phrases. Counts, per
    document, which vocabulary words it holds (`seen`) and keeps a few adjacent pairs of common words
    for phrase queries."""

    def __init__(self, rng: random.Random, vocab: list[str]):
        self.rng = rng
        self.vocab = vocab
        self.log_size = math.log(len(vocab) + 1)
        self.phrase_cum = list(accumulate(1 / (rank + 1) ** 0.9 for rank in range(len(LOCAL_GOV))))
        self.pairs: list[str] = []
        self.want_pair = False

    def sentence(self, seen: set[int]) -> str:
        rng, vocab, log_size = self.rng, self.vocab, self.log_size
        random_ = rng.random
        # Rank r (from 1) with probability ln((r + 1) / r) / ln(V + 1): Zipf's law with s = 1.
        indices = [int(math.exp(random_() * log_size)) - 1 for _ in range(rng.randint(5, 14))]
        seen.update(indices)
        words = []
        previous = -1
        for index in indices:
            if random_() < 0.45:
                words.append(STOP_WORDS[int(random_() * len(STOP_WORDS))])
                previous = -1
            words.append(vocab[index])
            if self.want_pair and 0 <= previous < 400 and index < 400:
                self.pairs.append(f"{vocab[previous]} {vocab[index]}")
                self.want_pair = False
            previous = index
        if random_() < 0.35:  # at either end, so the adjacent pairs kept above stay adjacent
            phrase = rng.choices(LOCAL_GOV, cum_weights=self.phrase_cum)[0]
            if random_() < 0.5:
                words.insert(0, phrase)
            else:
                words.append(phrase)
        text = " ".join(words)
        return text[0].upper() + text[1:] + "."

    def paragraphs(self, count: int, seen: set[int], sentences: tuple[int, int] = (1, 4)) -> list[str]:
        return [
            " ".join(self.sentence(seen) for _ in range(self.rng.randint(*sentences))) for _ in range(count)
        ]

    def title(self, seen: set[int]) -> str:
        text = self.sentence(seen).rstrip(".")
        words = text.split()[: self.rng.randint(4, 11)]
        return " ".join(words)[:200]


class PooledWriter(Writer):
    """A Writer whose sentences are drawn from a pool written in advance: the text as a whole keeps the
    same Zipf word frequencies at a fraction of the cost, for a generator that needs volume (millions of
    posts) rather than each document's own word statistics (`seen` is not kept)."""

    def __init__(self, rng: random.Random, vocab: list[str], pool: int = 300_000):
        super().__init__(rng, vocab)
        self.pool = [super(PooledWriter, self).sentence(set()) for _ in range(pool)]

    def sentence(self, seen: set[int]) -> str:
        return self.pool[int(self.rng.random() * len(self.pool))]


def html_of(paragraphs: list[str]) -> str:
    """What core.markdown renders for these paragraphs joined by blank lines (Writer's text needs no
    escaping): the stored HTML column beside the Markdown one."""
    return "".join(f"<p>{paragraph}</p>\n" for paragraph in paragraphs)


def zipf_cum(n: int, exponent: float) -> list[float]:
    return list(accumulate(1 / (rank + 1) ** exponent for rank in range(n)))


def distinct(rng: random.Random, n: int, cum: list[float], k: int) -> list[int]:
    """k distinct indices below n, drawn by the cumulative weights."""
    chosen: dict[int, None] = {}
    for _ in range(k * 8):
        chosen[rng.choices(range(n), cum_weights=cum)[0]] = None
        if len(chosen) >= min(k, n):
            break
    return list(chosen)


# --- Bulk loading -----------------------------------------------------------------------------------
def count_council_members(conn) -> None:
    """Each council's members on the hub (Council.member_count), as profiles.services.councils_recount
    keeps it: for councils loaded with COPY (member_count 0) after their people."""
    with conn.cursor() as cursor:
        cursor.execute(
            "UPDATE profiles_council c SET member_count = counted.n FROM (SELECT council_id, count(*) AS n"
            " FROM profiles_user WHERE is_active AND erased_at IS NULL AND council_id IS NOT NULL"
            " GROUP BY council_id) counted WHERE counted.council_id = c.id"
        )


def count_follows(conn) -> None:
    """Each member's follows from and to members on the hub (User.follower_count, following_count), as
    profiles.services keeps them: for follows loaded with COPY, after the people and their follows."""
    with conn.cursor() as cursor:
        cursor.execute(
            "UPDATE profiles_user p SET follower_count = counted.n FROM (SELECT f.followed_id AS pk,"
            " count(*) AS n FROM profiles_follow f JOIN profiles_user u ON u.id = f.follower_id"
            " WHERE u.is_active AND u.erased_at IS NULL GROUP BY f.followed_id) counted"
            " WHERE counted.pk = p.id"
        )
        cursor.execute(
            "UPDATE profiles_user p SET following_count = counted.n FROM (SELECT f.follower_id AS pk,"
            " count(*) AS n FROM profiles_follow f JOIN profiles_user u ON u.id = f.followed_id"
            " WHERE u.is_active AND u.erased_at IS NULL GROUP BY f.follower_id) counted"
            " WHERE counted.pk = p.id"
        )


def copy_rows(conn, table: str, columns: tuple[str, ...], rows) -> int:
    count = 0
    names = ", ".join(f'"{column}"' for column in columns)
    with conn.cursor() as cursor, cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def plain_indexes(conn, tables: list[str]) -> list[tuple[str, str, str]]:
    """(table, index, definition) of every plain index on these tables: not unique (those stay, checking
    the load), owned by no constraint."""
    return conn.execute(
        """
        SELECT t.relname, c.relname, pg_get_indexdef(i.indexrelid)
        FROM pg_index i
        JOIN pg_class c ON c.oid = i.indexrelid
        JOIN pg_class t ON t.oid = i.indrelid
        WHERE t.relname = ANY(%s) AND t.relnamespace = 'public'::regnamespace
          AND NOT i.indisunique AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
        ORDER BY 1, 2
        """,
        [tables],
    ).fetchall()


def foreign_keys(conn, tables: list[str]) -> list[tuple[str, str, str, str]]:
    """(table, column, referenced table, referenced column) of the single-column foreign keys."""
    return conn.execute(
        """
        SELECT t.relname, a.attname, r.relname, ra.attname
        FROM pg_constraint k
        JOIN pg_class t ON t.oid = k.conrelid
        JOIN pg_class r ON r.oid = k.confrelid
        JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1]
        JOIN pg_attribute ra ON ra.attrelid = k.confrelid AND ra.attnum = k.confkey[1]
        WHERE k.contype = 'f' AND t.relname = ANY(%s) AND cardinality(k.conkey) = 1
        ORDER BY 1, 2
        """,
        [tables],
    ).fetchall()


class Stopwatch:
    def __init__(self):
        self.started = self.last = time.perf_counter()

    def lap(self, what: str) -> None:
        now = time.perf_counter()
        print(f"  {now - self.last:6.1f} s  {what}", flush=True)
        self.last = now


def load_begin(conn, tables: list[str]) -> list[tuple[str, str, str]]:
    """Readies a freshly migrated database for COPY into `tables`: their plain indexes dropped (returned,
    for load_end to rebuild) and, for a superuser, the per-row foreign-key triggers off for this session."""
    conn.execute("SET maintenance_work_mem = '1GB'")
    conn.execute("SET synchronous_commit = off")  # a lost load is generated again
    # Foreign keys are checked once, in bulk, after the load (load_end) rather than row by row. Only a
    # superuser may skip the per-row triggers; anyone else loads with them.
    try:
        conn.execute("SET session_replication_role = replica")
        conn.commit()
    except psycopg.errors.InsufficientPrivilege:
        conn.rollback()
    plain = plain_indexes(conn, tables)
    for _, index, _ in plain:
        conn.execute(f'DROP INDEX "{index}"')
    conn.commit()
    for table in tables:
        if conn.execute(f'SELECT EXISTS (SELECT 1 FROM "{table}")').fetchone()[0]:  # noqa: S608
            raise SystemExit(f"{table} is not empty: the benchmark loads into a freshly migrated database")
    return plain


def load_end(conn, tables: list[str], plain: list[tuple[str, str, str]], watch: Stopwatch) -> None:
    """After the COPYs: each table's id sequence past its rows, the foreign keys checked in bulk and the
    indexes load_begin dropped rebuilt from their definitions (the end state is the migrated schema)."""
    for table in tables:
        after = f'(SELECT coalesce(max(id), 0) + 1 FROM "{table}")'  # noqa: S608
        conn.execute(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), {after}, false)")
    conn.commit()
    # The foreign keys the per-row triggers did not check, all at once.
    broken = []
    for table, column, target, target_column in foreign_keys(conn, tables):
        missing = conn.execute(
            f'SELECT count(*) FROM "{table}" c WHERE c."{column}" IS NOT NULL AND NOT EXISTS '  # noqa: S608
            f'(SELECT 1 FROM "{target}" r WHERE r."{target_column}" = c."{column}")'
        ).fetchone()[0]
        if missing:
            broken.append(f"{table}.{column}: {missing} rows")
    if broken:
        raise SystemExit("generated rows break foreign keys: " + "; ".join(broken))
    watch.lap("foreign keys checked")

    conn.execute("SET max_parallel_maintenance_workers = 2")
    for _table, _index, definition in plain:
        conn.execute(definition)
        conn.commit()
    # By name: PostgreSQL may print a rebuilt index's predicate with its casts in another order.
    if [index[:2] for index in plain_indexes(conn, tables)] != [index[:2] for index in plain]:
        raise SystemExit("the rebuilt indexes differ from the migrated ones")
    watch.lap(f"{len(plain)} indexes rebuilt as migrated (GIN on the tsvectors among them)")
