"""One connection through unixODBC across a failover: prints "instance=<id>", waits for a line
on stdin (the test fails the cluster over meanwhile), then queries again and prints
"error=<sqlstate>" for the failed query and "instance=<id>" for the one after it.

Usage: iam_failover.py <dsn>
"""
import sys

import pyodbc

pyodbc.pooling = False
conn = pyodbc.connect("DSN=" + sys.argv[1], autocommit=True)
QUERY = "SELECT aurora_db_instance_identifier()"
print("instance=" + conn.cursor().execute(QUERY).fetchone()[0], flush=True)
sys.stdin.readline()
try:
    conn.cursor().execute(QUERY).fetchone()
    print("error=none", flush=True)
except pyodbc.Error as e:
    print("error=" + e.args[0], flush=True)
print("instance=" + conn.cursor().execute(QUERY).fetchone()[0], flush=True)
