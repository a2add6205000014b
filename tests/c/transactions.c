/* Transactions as psqlODBC runs them: the driver sends no session setting the application
 * did not ask for (a role's default_transaction_read_only stays in force), SQL_ATTR_ACCESS_MODE
 * takes effect when set, and SQLDisconnect rolls back an open transaction.
 *
 * usage: transactions <connection string> <connection string of a role whose
 *        default_transaction_read_only is on> */
#include "check.h"

/* The text of the first column of the first row of `sql`, in a static buffer. */
static const char *scalar(SQLHDBC dbc, const char *sql) {
  static char out[128];
  SQLLEN ind;
  SQLHSTMT st = stmt_on(dbc);
  exec(st, sql);
  CHECK(OK(SQLFetch(st)) && OK(SQLGetData(st, 1, SQL_C_CHAR, out, sizeof out, &ind)), sql, SQL_HANDLE_STMT, st);
  SQLFreeHandle(SQL_HANDLE_STMT, st);
  return out;
}

/* The SQLSTATE an execution of `sql` fails with ("" when it succeeds). */
static const char *fails_with(SQLHDBC dbc, const char *sql) {
  static char state[6];
  SQLHSTMT st = stmt_on(dbc);
  SQLRETURN rc = SQLExecDirect(st, (SQLCHAR *)sql, SQL_NTS);
  snprintf(state, sizeof state, "%s", OK(rc) || rc == SQL_NO_DATA ? "" : first_state(SQL_HANDLE_STMT, st));
  SQLFreeHandle(SQL_HANDLE_STMT, st);
  return state;
}

static void set_attr(SQLHDBC dbc, SQLINTEGER attr, long value, const char *what) {
  CHECK(OK(SQLSetConnectAttr(dbc, attr, (SQLPOINTER)value, 0)), what, SQL_HANDLE_DBC, dbc);
}

/* A role an administrator made read-only stays read-only: the driver overrides nothing. */
static void test_role_default_kept(const char *ro_conn_str) {
  SQLHENV env;
  SQLHDBC dbc;
  connect_or_exit(ro_conn_str, SQL_OV_ODBC3, &env, &dbc);
  CHECK(strcmp(scalar(dbc, "SHOW transaction_read_only"), "on") == 0, "the role's read-only default holds", SQL_HANDLE_DBC, dbc);
  CHECK(strcmp(fails_with(dbc, "INSERT INTO tx_shared VALUES (100)"), "25006") == 0, "an insert is refused (25006)", SQL_HANDLE_DBC, dbc);
  /* Manual-commit transactions follow the default as well. */
  set_attr(dbc, SQL_ATTR_AUTOCOMMIT, SQL_AUTOCOMMIT_OFF, "autocommit off");
  CHECK(strcmp(fails_with(dbc, "INSERT INTO tx_shared VALUES (101)"), "25006") == 0, "refused in a manual-commit transaction", SQL_HANDLE_DBC, dbc);
  CHECK(OK(SQLEndTran(SQL_HANDLE_DBC, dbc, SQL_ROLLBACK)), "rollback", SQL_HANDLE_DBC, dbc);
  set_attr(dbc, SQL_ATTR_AUTOCOMMIT, SQL_AUTOCOMMIT_ON, "autocommit on");
  /* The application may ask for read-write, and then it is. */
  set_attr(dbc, SQL_ATTR_ACCESS_MODE, SQL_MODE_READ_WRITE, "read-write");
  CHECK(strcmp(scalar(dbc, "SHOW transaction_read_only"), "off") == 0, "read-write on request", SQL_HANDLE_DBC, dbc);
  CHECK(strcmp(fails_with(dbc, "INSERT INTO tx_shared VALUES (102)"), "") == 0, "an insert runs once read-write", SQL_HANDLE_DBC, dbc);
  set_attr(dbc, SQL_ATTR_ACCESS_MODE, SQL_MODE_READ_ONLY, "read-only");
  CHECK(strcmp(scalar(dbc, "SHOW transaction_read_only"), "on") == 0, "read-only again on request", SQL_HANDLE_DBC, dbc);
  disconnect_and_free(env, dbc);
  printf("ok role_default_kept\n");
}

/* SQL_ATTR_ACCESS_MODE on an ordinary role: read-only refuses writes, read-write allows
 * them; set before connecting, it applies from the start. */
static void test_access_mode(const char *conn_str) {
  SQLHENV env;
  SQLHDBC dbc;
  connect_or_exit(conn_str, SQL_OV_ODBC3, &env, &dbc);
  CHECK(strcmp(scalar(dbc, "SHOW transaction_read_only"), "off") == 0, "read-write by default", SQL_HANDLE_DBC, dbc);
  set_attr(dbc, SQL_ATTR_ACCESS_MODE, SQL_MODE_READ_ONLY, "read-only");
  CHECK(strcmp(fails_with(dbc, "INSERT INTO tx_shared VALUES (200)"), "25006") == 0, "read-only refuses an insert", SQL_HANDLE_DBC, dbc);
  SQLUINTEGER mode = 99;
  CHECK(OK(SQLGetConnectAttr(dbc, SQL_ATTR_ACCESS_MODE, &mode, 0, NULL)) && mode == SQL_MODE_READ_ONLY, "reads back read-only", SQL_HANDLE_DBC, dbc);
  set_attr(dbc, SQL_ATTR_ACCESS_MODE, SQL_MODE_READ_WRITE, "read-write");
  CHECK(strcmp(fails_with(dbc, "INSERT INTO tx_shared VALUES (201)"), "") == 0, "read-write allows it", SQL_HANDLE_DBC, dbc);
  disconnect_and_free(env, dbc);

  CHECK(OK(SQLAllocHandle(SQL_HANDLE_ENV, SQL_NULL_HANDLE, &env)), "alloc env", SQL_HANDLE_ENV, env);
  SQLSetEnvAttr(env, SQL_ATTR_ODBC_VERSION, (SQLPOINTER)SQL_OV_ODBC3, 0);
  CHECK(OK(SQLAllocHandle(SQL_HANDLE_DBC, env, &dbc)), "alloc dbc", SQL_HANDLE_ENV, env);
  set_attr(dbc, SQL_ATTR_ACCESS_MODE, SQL_MODE_READ_ONLY, "read-only before connecting");
  CHECK(OK(SQLDriverConnect(dbc, NULL, (SQLCHAR *)conn_str, SQL_NTS, NULL, 0, NULL, SQL_DRIVER_NOPROMPT)), "connect", SQL_HANDLE_DBC, dbc);
  CHECK(strcmp(scalar(dbc, "SHOW transaction_read_only"), "on") == 0, "read-only from the start", SQL_HANDLE_DBC, dbc);
  disconnect_and_free(env, dbc);
  printf("ok access_mode\n");
}

/* SQLDisconnect in manual-commit mode with a transaction open: rolled back, and success. */
static void test_disconnect_rolls_back(const char *conn_str) {
  SQLHENV env;
  SQLHDBC dbc;
  connect_or_exit(conn_str, SQL_OV_ODBC3, &env, &dbc);
  set_attr(dbc, SQL_ATTR_AUTOCOMMIT, SQL_AUTOCOMMIT_OFF, "autocommit off");
  SQLHSTMT st = stmt_on(dbc);
  exec(st, "INSERT INTO tx_shared VALUES (300)");
  SQLFreeHandle(SQL_HANDLE_STMT, st);
  CHECK(SQLDisconnect(dbc) == SQL_SUCCESS, "disconnect with an open transaction succeeds", SQL_HANDLE_DBC, dbc);
  SQLFreeHandle(SQL_HANDLE_DBC, dbc);
  SQLFreeHandle(SQL_HANDLE_ENV, env);

  connect_or_exit(conn_str, SQL_OV_ODBC3, &env, &dbc);
  CHECK(strcmp(scalar(dbc, "SELECT count(*) FROM tx_shared WHERE x = 300"), "0") == 0, "the row was rolled back", SQL_HANDLE_DBC, dbc);
  /* The same with a transaction that failed (nothing to keep, nothing to refuse). */
  set_attr(dbc, SQL_ATTR_AUTOCOMMIT, SQL_AUTOCOMMIT_OFF, "autocommit off");
  CHECK(strcmp(fails_with(dbc, "SELECT 1/0"), "22012") == 0, "a failing statement", SQL_HANDLE_DBC, dbc);
  CHECK(SQLDisconnect(dbc) == SQL_SUCCESS, "disconnect after a failed statement succeeds", SQL_HANDLE_DBC, dbc);
  SQLFreeHandle(SQL_HANDLE_DBC, dbc);
  SQLFreeHandle(SQL_HANDLE_ENV, env);
  printf("ok disconnect_rolls_back\n");
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: transactions <connection string> <read-only role's connection string>\n");
    return 2;
  }
  test_role_default_kept(argv[2]);
  test_access_mode(argv[1]);
  test_disconnect_rolls_back(argv[1]);
  printf("all passed\n");
  return 0;
}
