"""arrow-odbc against auroraodbc: a million rows read as Arrow batches (column-wise block
cursor) and written back through parameter arrays (arrow-odbc's insert_into_table), then the
copy compared with the original in SQL.

Usage: arrow_odbc_roundtrip.py "<connection string>" [rows]
Prints one line per check and "all passed" at the end; any failure raises.
"""
import datetime
import decimal
import sys
import time

import pyarrow as pa
import pyarrow.compute as pc
from arrow_odbc import connect, insert_into_table, read_arrow_batches_from_odbc

CS = sys.argv[1]
N = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
BATCH = 100_000
CHUNK = 1_000


def check(cond, what):
    if not cond:
        raise AssertionError(what)
    print("ok", what)


def scalar(sql):
    """The single value of a one-row, one-column query, read through arrow-odbc."""
    batches = list(read_arrow_batches_from_odbc(query=sql, connection_string=CS, batch_size=10))
    rows = [v for b in batches for v in b.column(0).to_pylist()]
    assert len(rows) == 1, f"{sql}: {rows}"
    return rows[0]


conn = connect(CS)
conn.execute("DROP TABLE IF EXISTS arrow_src")
conn.execute("DROP TABLE IF EXISTS arrow_dst")
# Every 1000th text is NULL so that indicators are exercised both ways.
conn.execute(
    f"""CREATE TABLE arrow_src AS SELECT
          g::int4 AS i4,
          g::int8 * 1000003 AS i8,
          g * 0.5::float8 AS f8,
          CASE WHEN g % 1000 = 0 THEN NULL ELSE 'text-' || g END AS t,
          timestamp '2024-01-01 00:00:00' + g * interval '1 second' AS ts,
          g % 3 = 0 AS b,
          (g::numeric / 100)::numeric(12,2) AS num
        FROM generate_series(1, {N}) AS g"""
)
conn.execute("CREATE TABLE arrow_dst (i4 int4, i8 int8, f8 float8, t text, ts timestamp, b bool, num numeric(12,2))")

# Read in batches.
started = time.monotonic()
reader = read_arrow_batches_from_odbc(
    query="SELECT i4, i8, f8, t, ts, b, num FROM arrow_src ORDER BY i4",
    connection_string=CS,
    batch_size=BATCH,
    max_text_size=64,
)
schema = reader.schema
print("schema:", schema)
check(schema.field("i4").type == pa.int32(), "int4 arrives as int32")
check(schema.field("i8").type == pa.int64(), "int8 arrives as int64")
check(schema.field("f8").type == pa.float64(), "float8 arrives as float64")
check(pa.types.is_string(schema.field("t").type) or pa.types.is_large_string(schema.field("t").type), "text arrives as a string")
check(pa.types.is_timestamp(schema.field("ts").type), "timestamp arrives as a timestamp")
check(schema.field("b").type == pa.bool_(), "bool arrives as bool")
check(schema.field("num").type == pa.decimal128(12, 2), "numeric(12,2) arrives as decimal128(12, 2)")

rows = batches = 0
sum_i4 = sum_i8 = 0
sum_f8 = 0.0
sum_num = decimal.Decimal(0)
trues = nulls = 0
last_i4 = 0
first_ts = last_ts = None
for batch in reader:
    batches += 1
    rows += batch.num_rows
    assert batch.num_rows <= BATCH, f"batch {batches} holds {batch.num_rows} rows"
    i4 = batch.column(0)
    # Ordered, without gaps: the first and last value of each batch follow on.
    assert i4[0].as_py() == last_i4 + 1, f"batch {batches} starts at {i4[0]} after {last_i4}"
    last_i4 = i4[-1].as_py()
    sum_i4 += pc.sum(i4).as_py()
    sum_i8 += pc.sum(batch.column(1)).as_py()
    sum_f8 += pc.sum(batch.column(2)).as_py()
    nulls += batch.column(3).null_count
    trues += pc.sum(pc.cast(batch.column(5), pa.int64())).as_py()
    sum_num += pc.sum(batch.column(6)).as_py()
    if first_ts is None:
        first_ts = batch.column(4)[0].as_py()
        check(batch.column(3)[0].as_py() == "text-1", "first text value")
    last_ts = batch.column(4)[-1].as_py()
elapsed = time.monotonic() - started
total = N * (N + 1) // 2
check(rows == N, f"{rows} rows in {batches} batches ({elapsed:.2f} s)")
check(sum_i4 == total, "sum of int4")
check(sum_i8 == total * 1000003, "sum of int8")
check(abs(sum_f8 - total * 0.5) < 1e-6 * total, "sum of float8")
check(nulls == N // 1000, "NULL texts")
check(trues == N // 3, "true booleans")
check(sum_num == decimal.Decimal(total) / 100, "sum of numeric")
check(first_ts == datetime.datetime(2024, 1, 1, 0, 0, 1), "first timestamp")
check(last_ts == datetime.datetime(2024, 1, 1) + datetime.timedelta(seconds=N), "last timestamp")

# Write back: batches stream from one connection into parameter arrays on another.
started = time.monotonic()
source = read_arrow_batches_from_odbc(
    query="SELECT i4, i8, f8, t, ts, b, num FROM arrow_src",
    connection_string=CS,
    batch_size=BATCH,
    max_text_size=64,
)
insert_into_table(reader=source, chunk_size=CHUNK, table="arrow_dst", connection_string=CS)
elapsed = time.monotonic() - started
check(scalar("SELECT count(*) FROM arrow_dst") == N, f"{N} rows written back in parameter arrays of {CHUNK} ({elapsed:.2f} s)")

# The copy is exact: nothing in one table that is not in the other, NULLs included.
check(scalar("SELECT count(*) FROM (SELECT * FROM arrow_src EXCEPT ALL SELECT * FROM arrow_dst) AS d") == 0, "no source row is missing from the copy")
check(scalar("SELECT count(*) FROM (SELECT * FROM arrow_dst EXCEPT ALL SELECT * FROM arrow_src) AS d") == 0, "the copy has no extra row")
check(scalar("SELECT count(*) FROM arrow_dst WHERE t IS NULL") == N // 1000, "NULLs survived the copy")

conn.execute("DROP TABLE arrow_src")
conn.execute("DROP TABLE arrow_dst")
print("all passed")
