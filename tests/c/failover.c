/* Failover through unixODBC the way a C application sees it.
 * Usage: failover "<connection string>"
 * Prints BEFORE <instance> and READY, then waits for a line on stdin while the test cuts the
 * writer off and promotes a replica. Then: the next call must fail with 08S02, and the same
 * connection handle (and its statement handles) must work on the new writer. */
#include "check.h"

static SQLHENV env;
static SQLHDBC dbc;

/* Fetches the first column of the first row as text and closes the cursor. */
static void fetch_text(SQLHSTMT st, char *out, SQLLEN size) {
  SQLLEN ind;
  CHECK(OK(SQLFetch(st)), "fetch", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLGetData(st, 1, SQL_C_CHAR, out, size, &ind)), "get data", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLCloseCursor(st)), "close cursor", SQL_HANDLE_STMT, st);
}

int main(int argc, char **argv) {
  char buf[256], line[64];
  SQLRETURN rc;
  if (argc < 2) {
    fprintf(stderr, "usage: failover <connection string>\n");
    return 2;
  }
  connect_or_exit(argv[1], SQL_OV_ODBC3, &env, &dbc);

  /* A prepared statement that must survive failover (it is prepared again on the new session). */
  SQLHSTMT who = stmt_on(dbc);
  CHECK(OK(SQLPrepare(who, (SQLCHAR *)"SELECT aurora_db_instance_identifier()", SQL_NTS)), "prepare", SQL_HANDLE_STMT, who);
  CHECK(OK(SQLExecute(who)), "execute before", SQL_HANDLE_STMT, who);
  fetch_text(who, buf, sizeof buf);
  printf("BEFORE %s\n", buf);

  /* A cursor left open on the old session. */
  SQLHSTMT open_cursor = stmt_on(dbc);
  CHECK(OK(SQLExecDirect(open_cursor, (SQLCHAR *)"SELECT g FROM generate_series(1, 100000) g", SQL_NTS)), "open cursor",
        SQL_HANDLE_STMT, open_cursor);
  CHECK(OK(SQLFetch(open_cursor)), "first row of the open cursor", SQL_HANDLE_STMT, open_cursor);

  printf("READY\n");
  fflush(stdout);
  if (!fgets(line, sizeof line, stdin)) return 3;

  SQLHSTMT direct = stmt_on(dbc);
  rc = SQLExecDirect(direct, (SQLCHAR *)"SELECT 1", SQL_NTS);
  CHECK(rc == SQL_ERROR, "the call after the outage fails", SQL_HANDLE_STMT, direct);
  diag(SQL_HANDLE_STMT, direct);
  printf("FAILED_CALL %s\n", first_state(SQL_HANDLE_STMT, direct));

  CHECK(OK(SQLExecute(who)), "execute after failover", SQL_HANDLE_STMT, who);
  fetch_text(who, buf, sizeof buf);
  printf("AFTER %s\n", buf);

  CHECK(OK(SQLExecDirect(direct, (SQLCHAR *)"SELECT aurora_db_instance_identifier()", SQL_NTS)), "exec direct after",
        SQL_HANDLE_STMT, direct);
  fetch_text(direct, buf, sizeof buf);
  printf("DIRECT %s\n", buf);

  rc = SQLFetch(open_cursor);
  if (rc == SQL_ERROR) {
    diag(SQL_HANDLE_STMT, open_cursor);
    printf("STALE_CURSOR %s\n", first_state(SQL_HANDLE_STMT, open_cursor));
  } else
    printf("STALE_CURSOR rc=%d\n", (int)rc);
  /* The driver manager still counts the cursor as open after the failed fetch: close it. */
  CHECK(OK(SQLFreeStmt(open_cursor, SQL_CLOSE)), "close the stale cursor", SQL_HANDLE_STMT, open_cursor);
  CHECK(OK(SQLExecDirect(open_cursor, (SQLCHAR *)"SELECT count(*) FROM generate_series(1, 10)", SQL_NTS)), "re-run on the old cursor's handle",
        SQL_HANDLE_STMT, open_cursor);
  fetch_text(open_cursor, buf, sizeof buf);
  printf("RERUN %s\n", buf);

  SQLFreeHandle(SQL_HANDLE_STMT, who);
  SQLFreeHandle(SQL_HANDLE_STMT, direct);
  SQLFreeHandle(SQL_HANDLE_STMT, open_cursor);
  disconnect_and_free(env, dbc);
  printf("done\n");
  return 0;
}
