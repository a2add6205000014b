/* The server's messages (NOTICE, INFO, WARNING) become SQL_SUCCESS_WITH_INFO diagnostics of the
 * call that caused them: SQLSTATE 01000, native error -1, the server's text without the
 * driver's prefix, one record each, at most 100 per call.
 *
 * argv[1]: connection string. */
#include "check.h"

/* Record `i` of a handle: SQLSTATE, native error and message; false when there is none. */
static int record(SQLSMALLINT type, SQLHANDLE h, SQLSMALLINT i, char state[6], SQLINTEGER *native, char *msg, size_t size) {
  SQLCHAR s[6] = {0};
  SQLSMALLINT len;
  if (!OK(SQLGetDiagRec(type, h, i, s, native, (SQLCHAR *)msg, (SQLSMALLINT)size, &len))) return 0;
  memcpy(state, s, 6);
  return 1;
}

static int count_records(SQLSMALLINT type, SQLHANDLE h) {
  SQLINTEGER n = -1;
  CHECK(OK(SQLGetDiagField(type, h, 0, SQL_DIAG_NUMBER, &n, 0, NULL)), "SQL_DIAG_NUMBER", type, h);
  return (int)n;
}

/* Fails unless record `i` is a server message (01000, native -1) with exactly `text`. */
static void expect_message(SQLSMALLINT type, SQLHANDLE h, SQLSMALLINT i, const char *text) {
  char state[6], msg[2048];
  SQLINTEGER native = 0;
  if (!record(type, h, i, state, &native, msg, sizeof msg) || strcmp(state, "01000") != 0 || native != -1 ||
      strcmp(msg, text) != 0) {
    fprintf(stderr, "FAIL record %d: want 01000 -1 '%s'\n", i, text);
    diag(type, h);
    exit(1);
  }
}

static void run(SQLHSTMT st, const char *sql, SQLRETURN want) {
  SQLRETURN rc = SQLExecDirect(st, (SQLCHAR *)sql, SQL_NTS);
  if (rc != want) {
    fprintf(stderr, "FAIL %s: returned %d, want %d\n", sql, rc, want);
    diag(SQL_HANDLE_STMT, st);
    exit(1);
  }
}

static void statement_messages(SQLHDBC dbc) {
  SQLHSTMT st = stmt_on(dbc);
  run(st,
      "CREATE OR REPLACE PROCEDURE msg_proc() LANGUAGE plpgsql AS $$ BEGIN "
      "RAISE INFO 'hello world' USING ERRCODE = '01000'; "
      "RAISE NOTICE 'second' USING DETAIL = 'the detail', HINT = 'a hint'; "
      "RAISE WARNING 'third'; END $$",
      SQL_SUCCESS);
  CHECK(count_records(SQL_HANDLE_STMT, st) == 0, "no records after a quiet statement", SQL_HANDLE_STMT, st);
  /* Every message of the call, in order, as the server worded it. */
  run(st, "CALL msg_proc()", SQL_SUCCESS_WITH_INFO);
  CHECK(count_records(SQL_HANDLE_STMT, st) == 3, "three messages", SQL_HANDLE_STMT, st);
  expect_message(SQL_HANDLE_STMT, st, 1, "INFO: hello world");
  expect_message(SQL_HANDLE_STMT, st, 2, "NOTICE: second\nDETAIL:  the detail\nHINT:  a hint");
  expect_message(SQL_HANDLE_STMT, st, 3, "WARNING: third");
  /* They belong to that call only. */
  run(st, "SELECT 1", SQL_SUCCESS);
  CHECK(count_records(SQL_HANDLE_STMT, st) == 0, "messages do not carry over", SQL_HANDLE_STMT, st);
  SQLFreeStmt(st, SQL_CLOSE);
  /* A statement that finds nothing to drop says so. */
  run(st, "DROP TABLE IF EXISTS msg_never_there", SQL_SUCCESS_WITH_INFO);
  expect_message(SQL_HANDLE_STMT, st, 1, "NOTICE: table \"msg_never_there\" does not exist, skipping");
  /* Bounded: 100 messages are kept, one more record counts the rest. */
  run(st, "DO $$ BEGIN FOR i IN 1..150 LOOP RAISE NOTICE 'n%', i; END LOOP; END $$", SQL_SUCCESS_WITH_INFO);
  CHECK(count_records(SQL_HANDLE_STMT, st) == 101, "100 messages and the count of the rest", SQL_HANDLE_STMT, st);
  expect_message(SQL_HANDLE_STMT, st, 1, "NOTICE: n1");
  expect_message(SQL_HANDLE_STMT, st, 100, "NOTICE: n100");
  {
    char state[6], msg[1024];
    SQLINTEGER native;
    CHECK(record(SQL_HANDLE_STMT, st, 101, state, &native, msg, sizeof msg) && strcmp(state, "01000") == 0 &&
              strstr(msg, "50 more server messages") != NULL,
          "the rest counted", SQL_HANDLE_STMT, st);
  }
  /* An error comes first, the messages before it after it. */
  run(st, "DO $$ BEGIN RAISE NOTICE 'before'; RAISE EXCEPTION 'boom'; END $$", SQL_ERROR);
  CHECK(count_records(SQL_HANDLE_STMT, st) == 2 && strcmp(first_state(SQL_HANDLE_STMT, st), "P0001") == 0,
        "the error first", SQL_HANDLE_STMT, st);
  expect_message(SQL_HANDLE_STMT, st, 2, "NOTICE: before");
  /* Messages raised while rows stream belong to the calls that read them (execute or fetch):
   * together, one per row. */
  run(st,
      "CREATE OR REPLACE FUNCTION msg_row(i int) RETURNS int LANGUAGE plpgsql AS $$ BEGIN "
      "RAISE NOTICE 'row %', i; RETURN i; END $$",
      SQL_SUCCESS);
  SQLRETURN rc = SQLExecDirect(st, (SQLCHAR *)"SELECT msg_row(g) FROM generate_series(1, 3) g", SQL_NTS);
  CHECK(OK(rc), "select raising notices", SQL_HANDLE_STMT, st);
  int seen = count_records(SQL_HANDLE_STMT, st);
  CHECK(seen >= 1 && rc == SQL_SUCCESS_WITH_INFO, "the first row's message at execute", SQL_HANDLE_STMT, st);
  expect_message(SQL_HANDLE_STMT, st, 1, "NOTICE: row 1");
  int rows = 0;
  while (rc = SQLFetch(st), OK(rc)) {
    rows++;
    seen += count_records(SQL_HANDLE_STMT, st);
  }
  CHECK(rc == SQL_NO_DATA && rows == 3 && seen == 3, "one message per row over execute and fetches", SQL_HANDLE_STMT, st);
  SQLFreeStmt(st, SQL_CLOSE);
  run(st, "DROP PROCEDURE msg_proc", SQL_SUCCESS);
  run(st, "DROP FUNCTION msg_row(int)", SQL_SUCCESS);
  SQLFreeHandle(SQL_HANDLE_STMT, st);
  printf("ok statement messages\n");
}

/* A message raised at COMMIT (a deferred trigger) is SQLEndTran's, on the connection. */
static void connection_messages(SQLHDBC dbc) {
  SQLHSTMT st = stmt_on(dbc);
  exec(st, "DROP TABLE IF EXISTS msg_deferred");
  exec(st, "CREATE TABLE msg_deferred(a int)");
  exec(st,
       "CREATE OR REPLACE FUNCTION msg_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
       "RAISE NOTICE 'checked at commit'; RETURN NULL; END $$");
  exec(st,
       "CREATE CONSTRAINT TRIGGER msg_deferred_check AFTER INSERT ON msg_deferred "
       "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION msg_at_commit()");
  CHECK(OK(SQLSetConnectAttr(dbc, SQL_ATTR_AUTOCOMMIT, (SQLPOINTER)SQL_AUTOCOMMIT_OFF, 0)), "manual commit", SQL_HANDLE_DBC, dbc);
  /* After the first successful SQLEndTran of a connection in manual-commit mode, unixODBC asks
   * the driver for SQL_CURSOR_COMMIT_BEHAVIOR, a call that clears the connection's records:
   * a first commit lets it do that before the one whose message is read. */
  CHECK(SQLEndTran(SQL_HANDLE_DBC, dbc, SQL_COMMIT) == SQL_SUCCESS, "a quiet commit", SQL_HANDLE_DBC, dbc);
  run(st, "INSERT INTO msg_deferred VALUES (1)", SQL_SUCCESS);
  SQLRETURN rc = SQLEndTran(SQL_HANDLE_DBC, dbc, SQL_COMMIT);
  CHECK(rc == SQL_SUCCESS_WITH_INFO, "commit with a message", SQL_HANDLE_DBC, dbc);
  expect_message(SQL_HANDLE_DBC, dbc, 1, "NOTICE: checked at commit");
  CHECK(OK(SQLSetConnectAttr(dbc, SQL_ATTR_AUTOCOMMIT, (SQLPOINTER)SQL_AUTOCOMMIT_ON, 0)), "autocommit", SQL_HANDLE_DBC, dbc);
  CHECK(count_records(SQL_HANDLE_STMT, st) == 0, "the statement did not get it", SQL_HANDLE_STMT, st);
  exec(st, "DROP TABLE msg_deferred");
  exec(st, "DROP FUNCTION msg_at_commit()");
  SQLFreeHandle(SQL_HANDLE_STMT, st);
  printf("ok connection messages\n");
}

int main(int argc, char **argv) {
  if (argc < 2) check_fail("usage: messages CONNECTION_STRING", __LINE__);
  SQLHENV env;
  SQLHDBC dbc;
  connect_or_exit(argv[1], SQL_OV_ODBC3, &env, &dbc);
  statement_messages(dbc);
  connection_messages(dbc);
  disconnect_and_free(env, dbc);
  printf("all passed\n");
  return 0;
}
