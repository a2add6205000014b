"""Two connections on the writer in one process. Prints "a=<instance>" and "b=<instance>",
then waits for a line on stdin (the test cuts the writer off and promotes a replica). Then
connection A runs a query, which hangs until host monitoring gives up on the old writer and
fails over; then B runs its next query. Prints, for each, "<name> <sqlstate or ok> <ms>", and
finally the instance each works on afterwards.

Usage: connection_tracker.py <dsn>
"""
import sys
import time

import pyodbc

pyodbc.pooling = False
QUERY = "SELECT aurora_db_instance_identifier()::text"
a = pyodbc.connect("DSN=" + sys.argv[1], autocommit=True)
b = pyodbc.connect("DSN=" + sys.argv[1], autocommit=True)
print("a=" + a.cursor().execute(QUERY).fetchone()[0], flush=True)
print("b=" + b.cursor().execute(QUERY).fetchone()[0], flush=True)
sys.stdin.readline()


def timed(name, conn):
    began = time.monotonic()
    try:
        conn.cursor().execute(QUERY).fetchone()
        outcome = "ok"
    except pyodbc.Error as e:
        outcome = e.args[0]
    print("%s %s %.1f" % (name, outcome, (time.monotonic() - began) * 1000.0), flush=True)


timed("A", a)
timed("B", b)
print("a_after=" + a.cursor().execute(QUERY).fetchone()[0], flush=True)
print("b_after=" + b.cursor().execute(QUERY).fetchone()[0], flush=True)
