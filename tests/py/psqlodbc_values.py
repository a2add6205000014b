"""pyodbc reading values as it does through psqlODBC: timestamptz as a naive datetime in the
session's time zone, following SET TIME ZONE and daylight saving; bytea as bytes. Parameters
take the server type their SQL type gives, as psqlODBC's casts do.

Usage: psqlodbc_values.py "<connection string>"
Prints "all passed" at the end; any failure raises.
"""
import datetime
import decimal
import sys

import pyodbc

cn = pyodbc.connect(sys.argv[1], autocommit=True)
cr = cn.cursor()


def one(sql):
    return cr.execute(sql).fetchone()[0]


cr.execute("SET TIME ZONE 'Europe/Paris'")
got = one("SELECT '2024-01-02 02:04:05.5+00'::timestamptz")
assert got == datetime.datetime(2024, 1, 2, 3, 4, 5, 500000), got
got = one("SELECT '2024-07-01 12:00:00+00'::timestamptz")
assert got == datetime.datetime(2024, 7, 1, 14, 0, 0), got
cr.execute("SET TIME ZONE 'America/New_York'")
got = one("SELECT '2024-11-03 06:30:00+00'::timestamptz")
assert got == datetime.datetime(2024, 11, 3, 1, 30, 0), got
got = one("SELECT '2024-11-03 05:30:00+00'::timestamptz")
assert got == datetime.datetime(2024, 11, 3, 1, 30, 0), got
got = one("SELECT '2024-01-02 02:04:05+00'::timestamptz::text")
assert got == "2024-01-01 21:04:05-05", got
got = one("SELECT '\\x0001feff'::bytea")
assert got == b"\x00\x01\xfe\xff", got
# pyodbc binds an int as SQL_INTEGER (SQL_BIGINT when large), a Decimal as SQL_NUMERIC: they
# compare as numbers; a str stays text.
compare = "SELECT CASE WHEN '555' > ? THEN 'as text' ELSE 'as number' END"
assert cr.execute(compare, 1000).fetchone()[0] == "as number"
assert cr.execute(compare, 10**12).fetchone()[0] == "as number"
assert cr.execute(compare, decimal.Decimal("1000.5")).fetchone()[0] == "as number"
assert cr.execute(compare, "1000").fetchone()[0] == "as text"
got = cr.execute("SELECT ? + 1", 41).fetchone()[0]
assert got == 42, repr(got)
# Values only the server can render come back as its text: reg* types as names, types the
# driver does not decode (tsvector) as the server prints them.
got = one("SELECT 'pg_class'::regclass")
assert got == "pg_class", repr(got)
got = one("SELECT 'int4'::regtype")
assert got == "integer", repr(got)
got = one("SELECT 'a fat cat'::tsvector")
assert got == "'a' 'cat' 'fat'", repr(got)
print("all passed")
