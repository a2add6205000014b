"""Opens COUNT connections through unixODBC, one after another, and on each one reads which
instance it is on and whether that is a replica, then (with "write") inserts a row. Prints one
line per connection: "conn <instance> <in_recovery> <write outcome>", where the outcome is
"ok", "none" (not asked) or the SQLSTATE of the failed INSERT; then "connect_ms <mean>".

Usage: initial_connection.py <dsn> <count> write|read
"""
import sys
import time

import pyodbc

pyodbc.pooling = False
dsn, count, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
spent = 0.0
for n in range(count):
    began = time.monotonic()
    conn = pyodbc.connect("DSN=" + dsn, autocommit=True)
    spent += time.monotonic() - began
    cur = conn.cursor()
    instance, in_recovery = cur.execute(
        "SELECT aurora_db_instance_identifier()::text, pg_is_in_recovery()"
    ).fetchone()
    outcome = "none"
    if mode == "write":
        try:
            cur.execute("INSERT INTO landed VALUES (?, ?)", n, instance)
            outcome = "ok"
        except pyodbc.Error as e:
            outcome = e.args[0]
    print("conn %s %s %s" % (instance, "t" if in_recovery else "f", outcome), flush=True)
    conn.close()
print("connect_ms %.2f" % (spent * 1000.0 / max(count, 1)), flush=True)
