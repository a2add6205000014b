"""Large objects through pyodbc: bytes longer than pyodbc's SQL_VARBINARY limit go as
SQL_LONGVARBINARY (data at execution), which writes an `lo` column as a new large object;
shorter ones (SQL_VARBINARY, bytea) once setinputsizes says SQL_LONGVARBINARY; reading an `lo` column returns
the object's bytes (pyodbc reads SQL_LONGVARBINARY with SQLGetData in pieces).

Usage: large_objects.py "<connection string>". Uses table lo_py (id int, data lo), which it
creates. Prints "all passed" at the end.
"""
import sys

import pyodbc

CS = sys.argv[1]


def check(cond, what):
    if not cond:
        raise AssertionError(what)
    print("ok", what)


cn = pyodbc.connect(CS, autocommit=True)
cur = cn.cursor()
cur.execute("CREATE EXTENSION IF NOT EXISTS lo")
cur.execute("DROP TABLE IF EXISTS lo_py")
cur.execute("CREATE TABLE lo_py (id int PRIMARY KEY, data lo)")

big = bytes((i * 7 + 3) % 256 for i in range(300_000))
cur.execute("INSERT INTO lo_py VALUES (?, ?)", 1, big)
small = b"\x00\x01\xfe\xff"
cur.setinputsizes([(pyodbc.SQL_INTEGER, 0, 0), (pyodbc.SQL_LONGVARBINARY, 0, 0)])
cur.execute("INSERT INTO lo_py VALUES (?, ?)", 2, small)
cur.execute("INSERT INTO lo_py VALUES (?, ?)", 3, None)
# Without setinputsizes pyodbc binds short bytes as SQL_VARBINARY, which is bytea: an lo
# column refuses it (the driver writes large objects for SQL_LONGVARBINARY only).
plain = cn.cursor()
try:
    plain.execute("INSERT INTO lo_py VALUES (?, ?)", 4, small)
    refused = False
except pyodbc.Error as e:
    refused = e.args[0] == "42804"
check(refused, "short bytes as SQL_VARBINARY are bytea (42804 for an lo column)")
count = cur.execute(
    "SELECT count(*) FROM lo_py p JOIN pg_catalog.pg_largeobject_metadata m ON m.oid = p.data"
).fetchval()
check(count == 2, "two rows name large objects")

rows = cur.execute("SELECT id, data FROM lo_py ORDER BY id").fetchall()
check(rows[0].data == big, "300 KB object read back byte for byte")
check(rows[1].data == small, "small object read back")
check(rows[2].data is None, "NULL lo column")
check(cur.description[1][1] == bytearray or cur.description[1][1] == bytes, "described as binary")

print("all passed")
