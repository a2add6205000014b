/* Transactions as psqlODBC runs them: the driver sends no session setting the application
 * did not ask for (a role's default_transaction_read_only stays in force), SQL_ATTR_ACCESS_MODE
 * takes effect when set, SQLDisconnect rolls back an open transaction, and an error inside a
 * transaction undoes what psqlODBC's Protocol key says (7.4-2, the default: the statement;
 * 7.4-1: the transaction; 7.4-0: nothing).
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

/* The number of rows of tx_shared with x in [lo, hi], read on a connection of its own (what
 * another session sees once committed). */
static long committed_between(const char *conn_str, int lo, int hi) {
  SQLHENV env;
  SQLHDBC dbc;
  char sql[128];
  connect_or_exit(conn_str, SQL_OV_ODBC3, &env, &dbc);
  snprintf(sql, sizeof sql, "SELECT count(*) FROM tx_shared WHERE x BETWEEN %d AND %d", lo, hi);
  long n = atol(scalar(dbc, sql));
  disconnect_and_free(env, dbc);
  return n;
}

static int committed(const char *conn_str, int x) {
  return committed_between(conn_str, x, x) == 1;
}

/* A connection in manual-commit mode with `extra` keys after the connection string. */
static void connect_manual(const char *conn_str, const char *extra, SQLHENV *env, SQLHDBC *dbc) {
  char cs[1024];
  snprintf(cs, sizeof cs, "%s%s", conn_str, extra);
  connect_or_exit(cs, SQL_OV_ODBC3, env, dbc);
  set_attr(*dbc, SQL_ATTR_AUTOCOMMIT, SQL_AUTOCOMMIT_OFF, "autocommit off");
}

static void insert_ok(SQLHDBC dbc, int x) {
  char sql[64];
  snprintf(sql, sizeof sql, "INSERT INTO tx_shared VALUES (%d)", x);
  CHECK(strcmp(fails_with(dbc, sql), "") == 0, sql, SQL_HANDLE_DBC, dbc);
}

static void commit(SQLHDBC dbc) {
  CHECK(OK(SQLEndTran(SQL_HANDLE_DBC, dbc, SQL_COMMIT)), "commit", SQL_HANDLE_DBC, dbc);
}

/* Default (psqlODBC's Protocol=7.4-2): an error inside a transaction undoes only the failed
 * statement; the transaction goes on and commits what else ran. */
static void test_statement_rollback(const char *conn_str) {
  SQLHENV env;
  SQLHDBC dbc;
  connect_manual(conn_str, "", &env, &dbc);
  /* The failed statement is the first of its transaction. */
  CHECK(strcmp(fails_with(dbc, "INSERT INTO tx_shared VALUES ('first')"), "22P02") == 0, "first statement fails", SQL_HANDLE_DBC, dbc);
  insert_ok(dbc, 400);
  /* ... or a later one: the rows before and after it stay. */
  insert_ok(dbc, 401);
  CHECK(strcmp(fails_with(dbc, "INSERT INTO tx_shared VALUES ('later')"), "22P02") == 0, "later statement fails", SQL_HANDLE_DBC, dbc);
  CHECK(strcmp(fails_with(dbc, "SELECT no_such_column FROM tx_shared"), "42703") == 0, "a second failure in a row", SQL_HANDLE_DBC, dbc);
  insert_ok(dbc, 402);
  CHECK(strcmp(scalar(dbc, "SELECT count(*) FROM tx_shared WHERE x BETWEEN 400 AND 402"), "3") == 0, "the transaction sees its rows", SQL_HANDLE_DBC, dbc);
  /* A prepared statement whose execution fails (a parameter the column refuses). */
  SQLHSTMT ps = stmt_on(dbc);
  char value[16];
  SQLLEN len = SQL_NTS;
  CHECK(OK(SQLPrepare(ps, (SQLCHAR *)"INSERT INTO tx_shared VALUES (?)", SQL_NTS)), "prepare", SQL_HANDLE_STMT, ps);
  CHECK(OK(SQLBindParameter(ps, 1, SQL_PARAM_INPUT, SQL_C_CHAR, SQL_VARCHAR, 15, 0, value, sizeof value, &len)), "bind", SQL_HANDLE_STMT, ps);
  strcpy(value, "403");
  CHECK(OK(SQLExecute(ps)), "execute 403", SQL_HANDLE_STMT, ps);
  strcpy(value, "x404");
  CHECK(SQLExecute(ps) == SQL_ERROR && strcmp(first_state(SQL_HANDLE_STMT, ps), "22P02") == 0, "execute with a bad value fails", SQL_HANDLE_STMT, ps);
  strcpy(value, "405");
  CHECK(OK(SQLExecute(ps)), "execute 405 after the failure", SQL_HANDLE_STMT, ps);
  SQLFreeHandle(SQL_HANDLE_STMT, ps);
  /* An error met while the rows of a query are read (after SQLExecute returned). */
  SQLHSTMT q = stmt_on(dbc);
  exec(q, "SELECT 1 / (50000 - g) FROM generate_series(1, 100000) g");
  SQLRETURN rc;
  while ((rc = SQLFetch(q)) == SQL_SUCCESS)
    ;
  CHECK(rc == SQL_ERROR && strcmp(first_state(SQL_HANDLE_STMT, q), "22012") == 0, "the error arrives while fetching", SQL_HANDLE_STMT, q);
  SQLFreeHandle(SQL_HANDLE_STMT, q);
  insert_ok(dbc, 406);
  /* A batch is one statement: its failure undoes the whole batch. */
  CHECK(strcmp(fails_with(dbc, "INSERT INTO tx_shared VALUES (407); SELECT 1/0"), "22012") == 0, "batch fails", SQL_HANDLE_DBC, dbc);
  /* The application's own savepoints keep working around the driver's. */
  exec(stmt_on(dbc), "SAVEPOINT mine");
  insert_ok(dbc, 408);
  exec(stmt_on(dbc), "ROLLBACK TO SAVEPOINT mine");
  CHECK(strcmp(fails_with(dbc, "INSERT INTO tx_shared VALUES ('after mine')"), "22P02") == 0, "fails after the application's savepoint", SQL_HANDLE_DBC, dbc);
  insert_ok(dbc, 409);
  exec(stmt_on(dbc), "RELEASE SAVEPOINT mine");
  insert_ok(dbc, 410);
  commit(dbc);
  disconnect_and_free(env, dbc);
  for (int x = 400; x <= 410; x++) {
    int expected = x != 404 && x != 407 && x != 408;
    if (committed(conn_str, x) != expected) {
      fprintf(stderr, "FAIL row %d %s\n", x, expected ? "lost" : "kept");
      exit(1);
    }
  }
  printf("ok statement_rollback\n");
}

/* Protocol=7.4-1: an error rolls the whole transaction back; the next statement starts a new
 * one. */
static void test_transaction_rollback(const char *conn_str) {
  SQLHENV env;
  SQLHDBC dbc;
  connect_manual(conn_str, ";Protocol=7.4-1", &env, &dbc);
  insert_ok(dbc, 500);
  insert_ok(dbc, 501);
  CHECK(strcmp(fails_with(dbc, "INSERT INTO tx_shared VALUES ('bad')"), "22P02") == 0, "fails", SQL_HANDLE_DBC, dbc);
  insert_ok(dbc, 502);
  commit(dbc);
  disconnect_and_free(env, dbc);
  CHECK(committed_between(conn_str, 500, 502) == 1 && committed(conn_str, 502), "only the row after the error stayed", SQL_HANDLE_DBC, dbc);
  printf("ok transaction_rollback\n");
}

/* Protocol=7.4-0: the driver undoes nothing; the transaction refuses statements (25P02) until
 * the application rolls it back. */
static void test_no_rollback(const char *conn_str) {
  SQLHENV env;
  SQLHDBC dbc;
  connect_manual(conn_str, ";Protocol=7.4-0", &env, &dbc);
  insert_ok(dbc, 600);
  insert_ok(dbc, 601);
  CHECK(strcmp(fails_with(dbc, "INSERT INTO tx_shared VALUES ('bad')"), "22P02") == 0, "fails", SQL_HANDLE_DBC, dbc);
  CHECK(strcmp(fails_with(dbc, "INSERT INTO tx_shared VALUES (602)"), "25P02") == 0, "the transaction is aborted", SQL_HANDLE_DBC, dbc);
  CHECK(OK(SQLEndTran(SQL_HANDLE_DBC, dbc, SQL_ROLLBACK)), "rollback", SQL_HANDLE_DBC, dbc);
  insert_ok(dbc, 603);
  commit(dbc);
  disconnect_and_free(env, dbc);
  CHECK(committed_between(conn_str, 600, 603) == 1 && committed(conn_str, 603), "only the row after the rollback stayed", SQL_HANDLE_DBC, dbc);
  printf("ok no_rollback\n");
}

/* The application's own BEGIN ... COMMIT in autocommit mode: statement-level rollback inside
 * it too, and SET TRANSACTION (which the server refuses inside a subtransaction) gets no
 * savepoint. */
static void test_explicit_block(const char *conn_str) {
  SQLHENV env;
  SQLHDBC dbc;
  connect_or_exit(conn_str, SQL_OV_ODBC3, &env, &dbc);
  SQLHSTMT st = stmt_on(dbc);
  exec(st, "BEGIN");
  exec(st, "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");
  insert_ok(dbc, 700);
  CHECK(strcmp(fails_with(dbc, "INSERT INTO tx_shared VALUES ('bad')"), "22P02") == 0, "fails inside the block", SQL_HANDLE_DBC, dbc);
  insert_ok(dbc, 701);
  CHECK(strcmp(scalar(dbc, "SHOW transaction_isolation"), "repeatable read") == 0, "the block's isolation level", SQL_HANDLE_DBC, dbc);
  exec(st, "COMMIT");
  SQLFreeHandle(SQL_HANDLE_STMT, st);
  disconnect_and_free(env, dbc);
  CHECK(committed_between(conn_str, 700, 701) == 2, "both rows of the block committed", SQL_HANDLE_DBC, dbc);
  printf("ok explicit_block\n");
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: transactions <connection string> <read-only role's connection string>\n");
    return 2;
  }
  test_role_default_kept(argv[2]);
  test_access_mode(argv[1]);
  test_disconnect_rolls_back(argv[1]);
  test_statement_rollback(argv[1]);
  test_transaction_rollback(argv[1]);
  test_no_rollback(argv[1]);
  test_explicit_block(argv[1]);
  printf("all passed\n");
  return 0;
}
