/* Keyset-driven cursors: the rows are fixed when the cursor opens and read anew at each
 * fetch, so another connection's update shows with SQL_ROW_UPDATED, its delete as
 * SQL_ROW_DELETED, and its insert not at all; a keyset cursor with SQL_CONCUR_ROWVER updates
 * through SQLSetPos; SQLRowCount is the keyset's size.
 *
 * argv[1]: connection string. */
#include "check.h"

static void run_other(SQLHDBC other, const char *sql) {
  SQLHSTMT o = stmt_on(other);
  exec(o, sql);
  SQLFreeHandle(SQL_HANDLE_STMT, o);
}

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  SQLHENV env, env2;
  SQLHDBC dbc, other;
  connect_or_exit(argv[1], SQL_OV_ODBC3, &env, &dbc);
  connect_or_exit(argv[1], SQL_OV_ODBC3, &env2, &other);
  run_other(other, "DROP TABLE IF EXISTS ks_items");
  run_other(other, "CREATE TABLE ks_items (id int PRIMARY KEY, v text)");
  run_other(other, "INSERT INTO ks_items SELECT g, 'v' || g FROM generate_series(1, 6) g");

  SQLHSTMT st = stmt_on(dbc);
  SQLUSMALLINT status[3];
  SQLULEN fetched = 0;
  SQLINTEGER id[3];
  SQLCHAR v[3][16];
  SQLLEN id_len[3], v_len[3];
  CHECK(SQLSetStmtAttr(st, SQL_ATTR_CURSOR_TYPE, (SQLPOINTER)SQL_CURSOR_KEYSET_DRIVEN, 0) == SQL_SUCCESS, "keyset",
        SQL_HANDLE_STMT, st);
  CHECK(OK(SQLSetStmtAttr(st, SQL_ATTR_ROW_ARRAY_SIZE, (SQLPOINTER)3, 0)), "rowset of 3", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLSetStmtAttr(st, SQL_ATTR_ROW_STATUS_PTR, status, 0)), "status", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLSetStmtAttr(st, SQL_ATTR_ROWS_FETCHED_PTR, &fetched, 0)), "fetched", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLBindCol(st, 1, SQL_C_SLONG, id, 0, id_len)), "bind id", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLBindCol(st, 2, SQL_C_CHAR, v, sizeof v[0], v_len)), "bind v", SQL_HANDLE_STMT, st);
  CHECK(SQLExecDirect(st, (SQLCHAR *)"SELECT id, v FROM ks_items ORDER BY id", SQL_NTS) == SQL_SUCCESS,
        "a keyset cursor opens", SQL_HANDLE_STMT, st);
  SQLLEN count = -1;
  CHECK(OK(SQLRowCount(st, &count)) && count == 6, "the keyset's size", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLFetch(st)) && fetched == 3 && id[0] == 1 && id[2] == 3 && status[0] == SQL_ROW_SUCCESS &&
            status[2] == SQL_ROW_SUCCESS,
        "first rowset", SQL_HANDLE_STMT, st);
  printf("ok keyset opened\n");

  run_other(other, "UPDATE ks_items SET v = 'changed' WHERE id = 2");
  run_other(other, "DELETE FROM ks_items WHERE id = 3");
  run_other(other, "INSERT INTO ks_items VALUES (7, 'v7')");
  CHECK(OK(SQLFetchScroll(st, SQL_FETCH_FIRST, 0)) && fetched == 3, "first rowset again", SQL_HANDLE_STMT, st);
  CHECK(status[0] == SQL_ROW_SUCCESS && id[0] == 1, "row 1 unchanged", SQL_HANDLE_STMT, st);
  CHECK(status[1] == SQL_ROW_UPDATED && id[1] == 2 && strcmp((char *)v[1], "changed") == 0,
        "row 2 updated elsewhere shows its new value", SQL_HANDLE_STMT, st);
  CHECK(status[2] == SQL_ROW_DELETED, "row 3 deleted elsewhere", SQL_HANDLE_STMT, st);
  /* A read-only keyset cursor reads a row again with SQL_REFRESH, but changes none. */
  CHECK(SQLSetPos(st, 2, SQL_REFRESH, SQL_LOCK_NO_CHANGE) == SQL_SUCCESS && status[1] == SQL_ROW_UPDATED &&
            strcmp((char *)v[1], "changed") == 0,
        "refresh on a read-only keyset cursor", SQL_HANDLE_STMT, st);
  CHECK(SQLSetPos(st, 2, SQL_UPDATE, SQL_LOCK_NO_CHANGE) == SQL_ERROR && strcmp(first_state(SQL_HANDLE_STMT, st), "HY092") == 0,
        "no update through a read-only keyset cursor", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLFetchScroll(st, SQL_FETCH_LAST, 0)) && fetched == 3 && id[0] == 4 && id[2] == 6,
        "the keyset does not grow with inserts", SQL_HANDLE_STMT, st);
  CHECK(SQLFetchScroll(st, SQL_FETCH_NEXT, 0) == SQL_NO_DATA, "after the last rowset", SQL_HANDLE_STMT, st);
  SQLFreeHandle(SQL_HANDLE_STMT, st);
  printf("ok sees updates and deletes\n");

  /* Updates through a keyset cursor, and a row moved by an update elsewhere is still found. */
  st = stmt_on(dbc);
  CHECK(OK(SQLSetStmtAttr(st, SQL_ATTR_CURSOR_TYPE, (SQLPOINTER)SQL_CURSOR_KEYSET_DRIVEN, 0)), "keyset", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLSetStmtAttr(st, SQL_ATTR_CONCURRENCY, (SQLPOINTER)SQL_CONCUR_ROWVER, 0)), "rowver", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLSetStmtAttr(st, SQL_ATTR_ROW_STATUS_PTR, status, 0)), "status", SQL_HANDLE_STMT, st);
  SQLINTEGER one_id = 0;
  SQLCHAR one_v[16];
  SQLLEN one_id_len = 0, one_v_len = 0;
  CHECK(OK(SQLBindCol(st, 1, SQL_C_SLONG, &one_id, 0, &one_id_len)), "bind id", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLBindCol(st, 2, SQL_C_CHAR, one_v, sizeof one_v, &one_v_len)), "bind v", SQL_HANDLE_STMT, st);
  exec(st, "SELECT id, v FROM ks_items WHERE id IN (4, 5) ORDER BY id");
  CHECK(OK(SQLFetch(st)) && one_id == 4, "row 4", SQL_HANDLE_STMT, st);
  snprintf((char *)one_v, sizeof one_v, "mine");
  one_v_len = SQL_NTS;
  CHECK(SQLSetPos(st, 1, SQL_UPDATE, SQL_LOCK_NO_CHANGE) == SQL_SUCCESS && status[0] == SQL_ROW_UPDATED,
        "update through the keyset cursor", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLFetch(st)) && one_id == 5, "row 5", SQL_HANDLE_STMT, st);
  run_other(other, "UPDATE ks_items SET v = 'theirs' WHERE id IN (4, 5)");
  CHECK(OK(SQLFetchScroll(st, SQL_FETCH_FIRST, 0)) && one_id == 4 && strcmp((char *)one_v, "theirs") == 0 &&
            status[0] == SQL_ROW_UPDATED,
        "a row moved by an update elsewhere is found again", SQL_HANDLE_STMT, st);
  SQLFreeHandle(SQL_HANDLE_STMT, st);
  printf("ok keyset updates\n");

  run_other(other, "DROP TABLE ks_items");
  disconnect_and_free(env2, other);
  disconnect_and_free(env, dbc);
  printf("all passed\n");
  return 0;
}
