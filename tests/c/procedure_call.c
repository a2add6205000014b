/* Procedure calls with output parameters, as programs written against psqlODBC make them:
 * `{? = call f(?)}` puts the function's value into parameter 1, arguments bound as
 * SQL_PARAM_OUTPUT are not sent and receive the function's OUT values, SQL_PARAM_INPUT_OUTPUT
 * ones are sent and receive the new value; the row stays readable with SQLFetch.
 *
 * argv[1]: connection string. */
#include "check.h"

static void expect_long(const char *what, SQLINTEGER got, SQLINTEGER want) {
  if (got != want) {
    fprintf(stderr, "FAIL %s: got %ld, want %ld\n", what, (long)got, (long)want);
    exit(1);
  }
}

static void expect_text(const char *what, const char *got, const char *want) {
  if (strcmp(got, want) != 0) {
    fprintf(stderr, "FAIL %s: got '%s', want '%s'\n", what, got, want);
    exit(1);
  }
}

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  SQLHENV env;
  SQLHDBC dbc;
  connect_or_exit(argv[1], SQL_OV_ODBC3, &env, &dbc);
  SQLHSTMT st = stmt_on(dbc);
  exec(st, "CREATE OR REPLACE FUNCTION pc_add_one(x int) RETURNS int LANGUAGE sql AS 'SELECT x + 1'");
  exec(st, "CREATE OR REPLACE FUNCTION pc_null_of(x int) RETURNS int LANGUAGE sql AS 'SELECT NULL::int'");
  exec(st, "CREATE OR REPLACE FUNCTION pc_split(full_name text, OUT first_name text, OUT last_name text) "
           "LANGUAGE sql AS $$SELECT split_part(full_name, ' ', 1), split_part(full_name, ' ', 2)$$");
  exec(st, "CREATE OR REPLACE FUNCTION pc_bump(INOUT n int, step int) LANGUAGE sql AS 'SELECT n + step'");
  SQLFreeHandle(SQL_HANDLE_STMT, st);

  /* The return value: parameter 1 is not sent, parameter 2 is the argument. */
  st = stmt_on(dbc);
  SQLINTEGER ret = -1, arg = 41;
  SQLLEN ret_ind = 0, arg_ind = 0;
  CHECK(OK(SQLBindParameter(st, 1, SQL_PARAM_OUTPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, &ret, 0, &ret_ind)),
        "bind return", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLBindParameter(st, 2, SQL_PARAM_INPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, &arg, 0, &arg_ind)),
        "bind argument", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLExecDirect(st, (SQLCHAR *)"{? = call pc_add_one(?)}", SQL_NTS)), "call add_one", SQL_HANDLE_STMT, st);
  expect_long("return value", ret, 42);
  expect_long("return value indicator", (SQLINTEGER)ret_ind, (SQLINTEGER)sizeof ret);
  SQLSMALLINT nparams = 0;
  CHECK(OK(SQLNumParams(st, &nparams)), "num params", SQL_HANDLE_STMT, st);
  expect_long("SQLNumParams counts the return value", nparams, 2);
  /* The row is still there for SQLFetch. */
  SQLINTEGER col = 0;
  CHECK(OK(SQLFetch(st)), "fetch the call's row", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLGetData(st, 1, SQL_C_SLONG, &col, 0, NULL)), "get", SQL_HANDLE_STMT, st);
  expect_long("fetched value", col, 42);
  CHECK(SQLFetch(st) == SQL_NO_DATA, "one row", SQL_HANDLE_STMT, st);
  SQLFreeStmt(st, SQL_CLOSE);
  printf("ok return value\n");

  /* Prepared once, executed twice with other arguments; spaces inside the escape. */
  CHECK(OK(SQLPrepare(st, (SQLCHAR *)"{ ? = CALL pc_add_one( ? ) }", SQL_NTS)), "prepare", SQL_HANDLE_STMT, st);
  arg = 1;
  CHECK(OK(SQLExecute(st)), "execute 1", SQL_HANDLE_STMT, st);
  expect_long("first execution", ret, 2);
  SQLFreeStmt(st, SQL_CLOSE);
  arg = 99;
  CHECK(OK(SQLExecute(st)), "execute 2", SQL_HANDLE_STMT, st);
  expect_long("second execution", ret, 100);
  SQLFreeHandle(SQL_HANDLE_STMT, st);

  /* Parameters bound after SQLPrepare decide what is sent at execution. */
  st = stmt_on(dbc);
  CHECK(OK(SQLPrepare(st, (SQLCHAR *)"{?= call pc_add_one(?)}", SQL_NTS)), "prepare first", SQL_HANDLE_STMT, st);
  ret = -1;
  arg = 6;
  CHECK(OK(SQLBindParameter(st, 1, SQL_PARAM_OUTPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, &ret, 0, &ret_ind)),
        "bind return later", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLBindParameter(st, 2, SQL_PARAM_INPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, &arg, 0, &arg_ind)),
        "bind argument later", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLExecute(st)), "execute bound later", SQL_HANDLE_STMT, st);
  expect_long("bound after prepare", ret, 7);
  SQLFreeHandle(SQL_HANDLE_STMT, st);
  printf("ok prepared\n");

  /* A NULL return value sets the indicator. */
  st = stmt_on(dbc);
  ret = 5;
  ret_ind = 0;
  CHECK(OK(SQLBindParameter(st, 1, SQL_PARAM_OUTPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, &ret, 0, &ret_ind)),
        "bind return", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLBindParameter(st, 2, SQL_PARAM_INPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, &arg, 0, &arg_ind)),
        "bind argument", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLExecDirect(st, (SQLCHAR *)"{?=call pc_null_of(?)}", SQL_NTS)), "call null_of", SQL_HANDLE_STMT, st);
  expect_long("NULL indicator", (SQLINTEGER)ret_ind, SQL_NULL_DATA);
  SQLFreeHandle(SQL_HANDLE_STMT, st);
  printf("ok null\n");

  /* OUT arguments: not sent, filled in order; a short buffer truncates with 01004. */
  st = stmt_on(dbc);
  char full[32] = "Ada Lovelace", first[32] = "", last[4] = "";
  SQLLEN full_ind = SQL_NTS, first_ind = 0, last_ind = 0;
  CHECK(OK(SQLBindParameter(st, 1, SQL_PARAM_INPUT, SQL_C_CHAR, SQL_VARCHAR, 32, 0, full, 0, &full_ind)),
        "bind full", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLBindParameter(st, 2, SQL_PARAM_OUTPUT, SQL_C_CHAR, SQL_VARCHAR, 32, 0, first, sizeof first, &first_ind)),
        "bind first", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLBindParameter(st, 3, SQL_PARAM_OUTPUT, SQL_C_CHAR, SQL_VARCHAR, 32, 0, last, sizeof last, &last_ind)),
        "bind last", SQL_HANDLE_STMT, st);
  SQLRETURN rc = SQLExecDirect(st, (SQLCHAR *)"{call pc_split(?, ?, ?)}", SQL_NTS);
  CHECK(rc == SQL_SUCCESS_WITH_INFO, "a truncated output parameter warns", SQL_HANDLE_STMT, st);
  expect_text("truncation state", first_state(SQL_HANDLE_STMT, st), "01004");
  expect_text("first OUT", first, "Ada");
  expect_long("first OUT length", (SQLINTEGER)first_ind, 3);
  expect_text("second OUT (truncated)", last, "Lov");
  expect_long("second OUT full length", (SQLINTEGER)last_ind, 8);
  SQLFreeHandle(SQL_HANDLE_STMT, st);
  printf("ok out arguments\n");

  /* INOUT: sent, and the new value comes back into the same buffer. */
  st = stmt_on(dbc);
  SQLINTEGER n = 10, step = 5;
  SQLLEN n_ind = 0, step_ind = 0;
  CHECK(OK(SQLBindParameter(st, 1, SQL_PARAM_INPUT_OUTPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, &n, 0, &n_ind)),
        "bind n", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLBindParameter(st, 2, SQL_PARAM_INPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, &step, 0, &step_ind)),
        "bind step", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLExecDirect(st, (SQLCHAR *)"{call pc_bump(?, ?)}", SQL_NTS)), "call bump", SQL_HANDLE_STMT, st);
  expect_long("INOUT value", n, 15);
  SQLFreeStmt(st, SQL_CLOSE);
  CHECK(OK(SQLExecDirect(st, (SQLCHAR *)"{call pc_bump(?, ?)}", SQL_NTS)), "call bump again", SQL_HANDLE_STMT, st);
  expect_long("INOUT value sent again", n, 20);
  SQLFreeHandle(SQL_HANDLE_STMT, st);
  printf("ok in-out arguments\n");

  /* A plain call with input parameters only is unchanged. */
  st = stmt_on(dbc);
  arg = 7;
  CHECK(OK(SQLBindParameter(st, 1, SQL_PARAM_INPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, &arg, 0, &arg_ind)),
        "bind input", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLExecDirect(st, (SQLCHAR *)"{call pc_add_one(?)}", SQL_NTS)), "call input only", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLFetch(st)), "fetch", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLGetData(st, 1, SQL_C_SLONG, &col, 0, NULL)), "get", SQL_HANDLE_STMT, st);
  expect_long("input-only call", col, 8);
  SQLFreeHandle(SQL_HANDLE_STMT, st);
  printf("ok input only\n");

  st = stmt_on(dbc);
  exec(st, "DROP FUNCTION pc_add_one(int); DROP FUNCTION pc_null_of(int); DROP FUNCTION pc_split(text); "
           "DROP FUNCTION pc_bump(int, int)");
  SQLFreeHandle(SQL_HANDLE_STMT, st);
  disconnect_and_free(env, dbc);
  printf("all passed\n");
  return 0;
}
