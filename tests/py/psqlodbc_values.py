"""pyodbc reading values as it does through psqlODBC: timestamptz as a naive datetime in the
session's time zone, following SET TIME ZONE and daylight saving; bytea as bytes.

Usage: psqlodbc_values.py "<connection string>"
Prints "all passed" at the end; any failure raises.
"""
import datetime
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
print("all passed")
