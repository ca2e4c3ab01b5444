"""On PostgreSQL, a GIN index over the bigrams of ``search_text`` makes 2-character
substring searches an index scan (customers.selectors._search); a no-op on SQLite.

A trigram index (0003) cannot serve ``LIKE '%康泰%'``: a 2-character pattern has no trigram.
``crm_bigrams`` is plain SQL (not plpgsql) over C-speed built-ins only, no per-character
``substr`` (O(n) each on UTF-8: a generate_series formulation took 2 minutes just to compute
the arrays of 100,000 rows, against ~10 s for this one): two
``regexp_replace`` passes cut the text into pairs at odd and at even offsets, separated by a
space; splitting on the space gives every bigram (plus a few single characters, harmless).
A bigram that contains a space is cut in two, but search terms never contain whitespace
(``core.pinyin.normalise``), so every bigram of a term found in the text is in the array.
The array is compared in the "C" collation (byte order: faster to build, and independent of
the database's collation). Extended statistics on the same expression give the planner the
frequency of each bigram (an expression index's own statistics are not used for a partial
index): without them every bigram is estimated at 0.5 % of the rows, and a common one (``yy``,
60 % of the names) would be read through the index instead of walking the sort index; the
search also reads them to keep common bigrams off the index (customers.selectors). Build time
at 100,000 customers (avg. search_text 440 characters; 22 MB): 45-70 s on the shared 2-core
machine at load average 3-5 (the trigram index: 26 s); ANALYZE of the table +15 s.
"""

from django.db import migrations

FUNCTION = r"""
CREATE OR REPLACE FUNCTION crm_bigrams(text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT array_remove(string_to_array(
        regexp_replace($1, '(..)', '\1 ', 'g') || ' ' || regexp_replace(substr($1, 2), '(..)', '\1 ', 'g'),
        ' '), '')
$$
"""
INDEX = (
    'CREATE INDEX IF NOT EXISTS cust_search_bigram_idx ON customers_customer '
    'USING gin ((crm_bigrams(search_text)) COLLATE "C") WHERE deleted_at IS NULL'
)

STATISTICS = "CREATE STATISTICS IF NOT EXISTS cust_search_bigram_stat ON (crm_bigrams(search_text)) FROM customers_customer"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION)
    schema_editor.execute("SET LOCAL maintenance_work_mem = '256MB'")
    schema_editor.execute(INDEX)
    schema_editor.execute(STATISTICS)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP STATISTICS IF EXISTS cust_search_bigram_stat")
    schema_editor.execute("DROP INDEX IF EXISTS cust_search_bigram_idx")
    schema_editor.execute("DROP FUNCTION IF EXISTS crm_bigrams(text)")


class Migration(migrations.Migration):
    dependencies = [("customers", "0007_duplicates_conflicts")]
    operations = [migrations.RunPython(forwards, backwards)]
