/* Read/write splitting through unixODBC the way a C application sees it.
 * Usage: read_write_splitting "<connection string>" <writer id> <reader ids, comma-separated>
 * SQL_ATTR_ACCESS_MODE moves the connection to a reader and back; a write on the read-only
 * connection fails with 25006; a prepared statement keeps working on either side; a switch
 * inside a transaction waits for its end; read-write while a reader holds a transaction is
 * refused with 25000 and leaves the mode read-only. Prints what it saw and "all passed". */
#include "check.h"

static SQLHENV env;
static SQLHDBC dbc;

/* Runs `sql` (one row, text in column 1) and returns the value; closes the cursor. */
static const char *one_value(SQLHSTMT st, const char *sql) {
  static char buf[256];
  SQLLEN ind;
  exec(st, sql);
  CHECK(OK(SQLFetch(st)), "fetch", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLGetData(st, 1, SQL_C_CHAR, buf, sizeof buf, &ind)), "get data", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLCloseCursor(st)), "close cursor", SQL_HANDLE_STMT, st);
  return buf;
}

static SQLRETURN access_mode(SQLULEN mode) {
  return SQLSetConnectAttr(dbc, SQL_ATTR_ACCESS_MODE, (SQLPOINTER)mode, 0);
}

static SQLULEN current_access_mode(void) {
  SQLUINTEGER mode = 99;
  CHECK(OK(SQLGetConnectAttr(dbc, SQL_ATTR_ACCESS_MODE, &mode, sizeof mode, NULL)), "get access mode", SQL_HANDLE_DBC, dbc);
  return mode;
}

static int is_reader(const char *id, const char *readers) {
  char list[512];
  snprintf(list, sizeof list, ",%s,", readers);
  char needle[128];
  snprintf(needle, sizeof needle, ",%s,", id);
  return strstr(list, needle) != NULL;
}

#define WHO "SELECT aurora_db_instance_identifier()::text || '/' || pg_is_in_recovery()::text"

int main(int argc, char **argv) {
  char want[160], reader[128];
  SQLRETURN rc;
  if (argc < 4) {
    fprintf(stderr, "usage: read_write_splitting <connection string> <writer> <readers>\n");
    return 2;
  }
  const char *writer = argv[2], *readers = argv[3];
  connect_or_exit(argv[1], SQL_OV_ODBC3, &env, &dbc);
  SQLHSTMT st = stmt_on(dbc);

  snprintf(want, sizeof want, "%s/false", writer);
  CHECK(strcmp(one_value(st, WHO), want) == 0, "connected to the writer", SQL_HANDLE_STMT, st);

  /* A prepared statement made on the writer. */
  SQLHSTMT who = stmt_on(dbc);
  CHECK(OK(SQLPrepare(who, (SQLCHAR *)"SELECT aurora_db_instance_identifier()::text", SQL_NTS)), "prepare", SQL_HANDLE_STMT, who);

  /* A cursor left open across a switch, one row read: the rest waited in the session and
   * moves along, so it reads on to its end. */
  SQLHSTMT open_cursor = stmt_on(dbc);
  SQLINTEGER g;
  SQLLEN gind;
  exec(open_cursor, "SELECT g FROM generate_series(1, 3) g");
  CHECK(OK(SQLFetch(open_cursor)), "first row", SQL_HANDLE_STMT, open_cursor);

  CHECK(OK(access_mode(SQL_MODE_READ_ONLY)), "read-only", SQL_HANDLE_DBC, dbc);
  CHECK(current_access_mode() == SQL_MODE_READ_ONLY, "the attribute reads back read-only", SQL_HANDLE_DBC, dbc);
  CHECK(OK(SQLFetch(open_cursor)), "the second row after the switch", SQL_HANDLE_STMT, open_cursor);
  CHECK(OK(SQLGetData(open_cursor, 1, SQL_C_SLONG, &g, 0, &gind)) && g == 2, "is 2", SQL_HANDLE_STMT, open_cursor);
  CHECK(OK(SQLFetch(open_cursor)), "the third row", SQL_HANDLE_STMT, open_cursor);
  CHECK(SQLFetch(open_cursor) == SQL_NO_DATA, "then the end", SQL_HANDLE_STMT, open_cursor);
  printf("CURSOR_READ_ON\n");
  SQLFreeHandle(SQL_HANDLE_STMT, open_cursor);
  const char *v = one_value(st, WHO);
  const char *slash = strchr(v, '/');
  CHECK(slash && strcmp(slash, "/true") == 0, "read-only runs on a replica", SQL_HANDLE_STMT, st);
  snprintf(reader, sizeof reader, "%.*s", (int)(slash - v), v);
  CHECK(is_reader(reader, readers), "read-only runs on one of the readers", SQL_HANDLE_STMT, st);
  printf("READER %s\n", reader);

  SQLLEN ind;
  char buf[128];
  CHECK(OK(SQLExecute(who)), "prepared statement on the reader", SQL_HANDLE_STMT, who);
  CHECK(OK(SQLFetch(who)), "fetch", SQL_HANDLE_STMT, who);
  CHECK(OK(SQLGetData(who, 1, SQL_C_CHAR, buf, sizeof buf, &ind)), "get data", SQL_HANDLE_STMT, who);
  CHECK(strcmp(buf, reader) == 0, "the prepared statement ran on the reader", SQL_HANDLE_STMT, who);
  CHECK(OK(SQLCloseCursor(who)), "close", SQL_HANDLE_STMT, who);

  rc = SQLExecDirect(st, (SQLCHAR *)"INSERT INTO rws_c VALUES (1)", SQL_NTS);
  CHECK(rc == SQL_ERROR, "a write on the read-only connection fails", SQL_HANDLE_STMT, st);
  CHECK(strcmp(first_state(SQL_HANDLE_STMT, st), "25006") == 0, "as PostgreSQL says: 25006", SQL_HANDLE_STMT, st);
  printf("WRITE_ON_READER %s\n", first_state(SQL_HANDLE_STMT, st));

  CHECK(OK(access_mode(SQL_MODE_READ_WRITE)), "read-write", SQL_HANDLE_DBC, dbc);
  snprintf(want, sizeof want, "%s/false", writer);
  CHECK(strcmp(one_value(st, WHO), want) == 0, "read-write is back on the writer", SQL_HANDLE_STMT, st);
  exec(st, "INSERT INTO rws_c VALUES (1)");
  CHECK(OK(SQLExecute(who)), "prepared statement on the writer again", SQL_HANDLE_STMT, who);
  CHECK(OK(SQLFetch(who)), "fetch", SQL_HANDLE_STMT, who);
  CHECK(OK(SQLGetData(who, 1, SQL_C_CHAR, buf, sizeof buf, &ind)), "get data", SQL_HANDLE_STMT, who);
  CHECK(strcmp(buf, writer) == 0, "the prepared statement ran on the writer", SQL_HANDLE_STMT, who);
  CHECK(OK(SQLCloseCursor(who)), "close", SQL_HANDLE_STMT, who);

  /* Manual commit: the transaction pins the connection. */
  CHECK(OK(SQLSetConnectAttr(dbc, SQL_ATTR_AUTOCOMMIT, (SQLPOINTER)SQL_AUTOCOMMIT_OFF, 0)), "autocommit off", SQL_HANDLE_DBC, dbc);
  exec(st, "INSERT INTO rws_c VALUES (2)");
  CHECK(OK(access_mode(SQL_MODE_READ_ONLY)), "read-only inside a transaction is accepted", SQL_HANDLE_DBC, dbc);
  CHECK(strcmp(one_value(st, WHO), want) == 0, "and waits: still on the writer", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLEndTran(SQL_HANDLE_DBC, dbc, SQL_COMMIT)), "commit", SQL_HANDLE_DBC, dbc);
  v = one_value(st, WHO);
  CHECK(strstr(v, "/true") != NULL, "after the commit the connection is on a reader", SQL_HANDLE_STMT, st);
  printf("AFTER_COMMIT %s\n", v);
  rc = access_mode(SQL_MODE_READ_WRITE);
  CHECK(rc == SQL_ERROR, "read-write while the reader holds a transaction fails", SQL_HANDLE_DBC, dbc);
  CHECK(strcmp(first_state(SQL_HANDLE_DBC, dbc), "25000") == 0, "with 25000", SQL_HANDLE_DBC, dbc);
  printf("REFUSED %s\n", first_state(SQL_HANDLE_DBC, dbc));
  CHECK(current_access_mode() == SQL_MODE_READ_ONLY, "the refused change left the mode read-only", SQL_HANDLE_DBC, dbc);
  CHECK(OK(SQLEndTran(SQL_HANDLE_DBC, dbc, SQL_ROLLBACK)), "rollback", SQL_HANDLE_DBC, dbc);
  CHECK(OK(access_mode(SQL_MODE_READ_WRITE)), "read-write after the rollback", SQL_HANDLE_DBC, dbc);
  CHECK(strcmp(one_value(st, WHO), want) == 0, "back on the writer", SQL_HANDLE_STMT, st);
  CHECK(strcmp(one_value(st, "SELECT count(*)::text FROM rws_c"), "2") == 0, "both writes committed on the writer", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLEndTran(SQL_HANDLE_DBC, dbc, SQL_COMMIT)), "commit", SQL_HANDLE_DBC, dbc);

  SQLFreeHandle(SQL_HANDLE_STMT, who);
  SQLFreeHandle(SQL_HANDLE_STMT, st);
  disconnect_and_free(env, dbc);
  printf("all passed\n");
  return 0;
}
