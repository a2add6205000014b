"""A connection workload through unixODBC while a secret rotates: THREADS threads each open,
query and close connections to DSN for SECONDS seconds (pyodbc pooling off, so every one is a
real login). Prints one line "attempts=N failures=M users=..." and then each failure's text;
the test asserts no attempt failed.

Usage: secrets_workload.py <dsn> <threads> <seconds>
"""
import sys
import threading
import time

import pyodbc

pyodbc.pooling = False
DSN, THREADS, SECONDS = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
lock = threading.Lock()
attempts = 0
failures = []
users = set()


def work(end):
    global attempts
    while time.monotonic() < end:
        try:
            conn = pyodbc.connect("DSN=" + DSN, autocommit=True)
            user = conn.cursor().execute("SELECT current_user").fetchone()[0]
            conn.close()
            with lock:
                attempts += 1
                users.add(user)
        except pyodbc.Error as e:
            with lock:
                attempts += 1
                failures.append(str(e))


end = time.monotonic() + SECONDS
threads = [threading.Thread(target=work, args=(end,)) for _ in range(THREADS)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(f"attempts={attempts} failures={len(failures)} users={','.join(sorted(users))}")
for f in failures:
    print("failure:", f)
