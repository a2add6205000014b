/* Updatable cursors: SQLSetPos with SQL_UPDATE, SQL_DELETE and SQL_REFRESH on a static cursor
 * over one table (SQL_CONCUR_ROWVER), the row status array, SQL_COLUMN_IGNORE, row 0 with the
 * row operation array, a row another connection changed (01001, never overwritten), the
 * cursor's own updates visible when scrolling back, manual commit, and a SELECT that cannot be
 * updated (01S02 at execution, HY092 at SQLSetPos).
 *
 * argv[1]: connection string. */
#include "check.h"

static SQLHDBC other;

/* One value of the table as another connection sees it, as text ("NULL", "none"). */
static const char *seen(const char *sql) {
  static char out[64];
  SQLLEN ind = 0;
  SQLHSTMT st = stmt_on(other);
  CHECK(OK(SQLExecDirect(st, (SQLCHAR *)sql, SQL_NTS)), sql, SQL_HANDLE_STMT, st);
  SQLRETURN rc = SQLFetch(st);
  if (rc == SQL_NO_DATA) {
    snprintf(out, sizeof out, "none");
  } else {
    CHECK(OK(rc), "fetch", SQL_HANDLE_STMT, st);
    CHECK(OK(SQLGetData(st, 1, SQL_C_CHAR, out, sizeof out, &ind)), "get", SQL_HANDLE_STMT, st);
    if (ind == SQL_NULL_DATA) snprintf(out, sizeof out, "NULL");
  }
  SQLFreeHandle(SQL_HANDLE_STMT, st);
  return out;
}

#define EXPECT_SEEN(sql, want)                                                                  \
  do {                                                                                          \
    const char *got_ = seen(sql);                                                               \
    if (strcmp(got_, (want)) != 0) {                                                            \
      fprintf(stderr, "FAIL %s: got '%s', want '%s' (line %d)\n", (sql), got_, (want), __LINE__); \
      exit(1);                                                                                  \
    }                                                                                           \
  } while (0)

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  SQLHENV env, env2;
  SQLHDBC dbc;
  connect_or_exit(argv[1], SQL_OV_ODBC3, &env, &dbc);
  connect_or_exit(argv[1], SQL_OV_ODBC3, &env2, &other);
  SQLHSTMT setup = stmt_on(dbc);
  exec(setup, "DROP TABLE IF EXISTS sp_items");
  exec(setup, "CREATE TABLE sp_items (id int PRIMARY KEY, name varchar(20), qty int)");
  exec(setup, "INSERT INTO sp_items SELECT g, 'item ' || g, g * 10 FROM generate_series(1, 5) g");
  SQLFreeHandle(SQL_HANDLE_STMT, setup);

  SQLHSTMT st = stmt_on(dbc);
  SQLUSMALLINT status[3] = {99, 99, 99}, ops[3] = {SQL_ROW_PROCEED, SQL_ROW_PROCEED, SQL_ROW_PROCEED};
  SQLULEN fetched = 0, concurrency = 0;
  SQLINTEGER id[3], qty[3];
  SQLCHAR name[3][21];
  SQLLEN id_len[3], name_len[3], qty_len[3];
  CHECK(OK(SQLSetStmtAttr(st, SQL_ATTR_CURSOR_TYPE, (SQLPOINTER)SQL_CURSOR_STATIC, 0)), "static", SQL_HANDLE_STMT, st);
  CHECK(SQLSetStmtAttr(st, SQL_ATTR_CONCURRENCY, (SQLPOINTER)SQL_CONCUR_ROWVER, 0) == SQL_SUCCESS, "rowver",
        SQL_HANDLE_STMT, st);
  CHECK(OK(SQLGetStmtAttr(st, SQL_ATTR_CONCURRENCY, &concurrency, 0, NULL)) && concurrency == SQL_CONCUR_ROWVER,
        "concurrency kept", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLSetStmtAttr(st, SQL_ATTR_ROW_ARRAY_SIZE, (SQLPOINTER)3, 0)), "rowset of 3", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLSetStmtAttr(st, SQL_ATTR_ROW_STATUS_PTR, status, 0)), "status array", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLSetStmtAttr(st, SQL_ATTR_ROWS_FETCHED_PTR, &fetched, 0)), "fetched", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLSetStmtAttr(st, SQL_ATTR_ROW_OPERATION_PTR, ops, 0)), "operations", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLBindCol(st, 1, SQL_C_SLONG, id, 0, id_len)), "bind id", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLBindCol(st, 2, SQL_C_CHAR, name, sizeof name[0], name_len)), "bind name", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLBindCol(st, 3, SQL_C_SLONG, qty, 0, qty_len)), "bind qty", SQL_HANDLE_STMT, st);
  CHECK(SQLExecDirect(st, (SQLCHAR *)"SELECT id, name, qty FROM sp_items ORDER BY id", SQL_NTS) == SQL_SUCCESS,
        "an updatable SELECT", SQL_HANDLE_STMT, st);
  SQLSMALLINT ncols = 0;
  CHECK(OK(SQLNumResultCols(st, &ncols)) && ncols == 3, "the row identity is hidden", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLFetch(st)) && fetched == 3 && id[0] == 1 && id[2] == 3, "first rowset", SQL_HANDLE_STMT, st);
  printf("ok updatable cursor opened\n");

  /* Update row 2 from its buffers. */
  snprintf((char *)name[1], sizeof name[1], "changed");
  name_len[1] = SQL_NTS;
  qty[1] = 99;
  CHECK(SQLSetPos(st, 2, SQL_UPDATE, SQL_LOCK_NO_CHANGE) == SQL_SUCCESS, "update row 2", SQL_HANDLE_STMT, st);
  CHECK(status[1] == SQL_ROW_UPDATED, "row 2 is SQL_ROW_UPDATED", SQL_HANDLE_STMT, st);
  EXPECT_SEEN("SELECT name || '/' || qty FROM sp_items WHERE id = 2", "changed/99");
  EXPECT_SEEN("SELECT count(*) FROM sp_items WHERE name = 'item 1' AND qty = 10", "1");
  printf("ok update\n");

  /* A column bound with SQL_COLUMN_IGNORE keeps its value. */
  snprintf((char *)name[0], sizeof name[0], "only name");
  name_len[0] = SQL_NTS;
  qty[0] = 12345;
  qty_len[0] = SQL_COLUMN_IGNORE;
  CHECK(SQLSetPos(st, 1, SQL_UPDATE, SQL_LOCK_NO_CHANGE) == SQL_SUCCESS, "update row 1, qty ignored", SQL_HANDLE_STMT, st);
  EXPECT_SEEN("SELECT name || '/' || qty FROM sp_items WHERE id = 1", "only name/10");
  qty_len[0] = sizeof qty[0];
  printf("ok column ignore\n");

  /* Delete row 3. */
  CHECK(SQLSetPos(st, 3, SQL_DELETE, SQL_LOCK_NO_CHANGE) == SQL_SUCCESS, "delete row 3", SQL_HANDLE_STMT, st);
  CHECK(status[2] == SQL_ROW_DELETED, "row 3 is SQL_ROW_DELETED", SQL_HANDLE_STMT, st);
  EXPECT_SEEN("SELECT id FROM sp_items WHERE id = 3", "none");
  printf("ok delete\n");

  /* Another connection changes row 1: the cursor's update is refused, not applied. */
  SQLHSTMT o = stmt_on(other);
  exec(o, "UPDATE sp_items SET qty = 500 WHERE id = 1");
  SQLFreeHandle(SQL_HANDLE_STMT, o);
  snprintf((char *)name[0], sizeof name[0], "mine");
  name_len[0] = SQL_NTS;
  SQLRETURN rc = SQLSetPos(st, 1, SQL_UPDATE, SQL_LOCK_NO_CHANGE);
  CHECK(rc == SQL_SUCCESS_WITH_INFO && strcmp(first_state(SQL_HANDLE_STMT, st), "01001") == 0,
        "a row changed elsewhere gives 01001", SQL_HANDLE_STMT, st);
  CHECK(status[0] == SQL_ROW_ERROR, "and SQL_ROW_ERROR", SQL_HANDLE_STMT, st);
  EXPECT_SEEN("SELECT name || '/' || qty FROM sp_items WHERE id = 1", "only name/500");
  /* A deleted row cannot be deleted again. */
  rc = SQLSetPos(st, 3, SQL_DELETE, SQL_LOCK_NO_CHANGE);
  CHECK(rc == SQL_SUCCESS_WITH_INFO && strcmp(first_state(SQL_HANDLE_STMT, st), "01001") == 0 && status[2] == SQL_ROW_ERROR,
        "deleting a deleted row gives 01001", SQL_HANDLE_STMT, st);
  printf("ok conflict\n");

  /* Refresh reads the row as it is now; then the update goes through. */
  CHECK(SQLSetPos(st, 1, SQL_REFRESH, SQL_LOCK_NO_CHANGE) == SQL_SUCCESS, "refresh row 1", SQL_HANDLE_STMT, st);
  CHECK(qty[0] == 500 && strcmp((char *)name[0], "only name") == 0 && status[0] == SQL_ROW_UPDATED,
        "the refreshed row holds the other connection's change", SQL_HANDLE_STMT, st);
  CHECK(SQLSetPos(st, 3, SQL_REFRESH, SQL_LOCK_NO_CHANGE) == SQL_SUCCESS && status[2] == SQL_ROW_DELETED,
        "refreshing a deleted row: SQL_ROW_DELETED", SQL_HANDLE_STMT, st);
  snprintf((char *)name[0], sizeof name[0], "mine again");
  name_len[0] = SQL_NTS;
  CHECK(SQLSetPos(st, 1, SQL_UPDATE, SQL_LOCK_NO_CHANGE) == SQL_SUCCESS && status[0] == SQL_ROW_UPDATED,
        "update after refresh", SQL_HANDLE_STMT, st);
  EXPECT_SEEN("SELECT name || '/' || qty FROM sp_items WHERE id = 1", "mine again/500");
  printf("ok refresh\n");

  /* Row 0: every row of the rowset but those the row operation array ignores. */
  CHECK(OK(SQLFetch(st)) && fetched == 2 && id[0] == 4 && id[1] == 5, "second rowset", SQL_HANDLE_STMT, st);
  qty[0] = 7;
  qty[1] = 7;
  ops[1] = SQL_ROW_IGNORE;
  CHECK(SQLSetPos(st, 0, SQL_UPDATE, SQL_LOCK_NO_CHANGE) == SQL_SUCCESS, "update the rowset", SQL_HANDLE_STMT, st);
  ops[1] = SQL_ROW_PROCEED;
  EXPECT_SEEN("SELECT string_agg(id || ':' || qty, ',' ORDER BY id) FROM sp_items WHERE id >= 4", "4:7,5:50");
  printf("ok rowset update\n");

  /* Scrolling back shows the cursor's own updates. */
  CHECK(OK(SQLFetchScroll(st, SQL_FETCH_FIRST, 0)) && fetched == 3, "back to the first rowset", SQL_HANDLE_STMT, st);
  CHECK(strcmp((char *)name[0], "mine again") == 0 && qty[0] == 500 && strcmp((char *)name[1], "changed") == 0,
        "own updates are visible", SQL_HANDLE_STMT, st);
  SQLFreeHandle(SQL_HANDLE_STMT, st);
  printf("ok own updates visible\n");

  /* Manual commit: the update belongs to the transaction. */
  CHECK(OK(SQLSetConnectAttr(dbc, SQL_ATTR_AUTOCOMMIT, (SQLPOINTER)SQL_AUTOCOMMIT_OFF, 0)), "manual commit",
        SQL_HANDLE_DBC, dbc);
  st = stmt_on(dbc);
  CHECK(OK(SQLSetStmtAttr(st, SQL_ATTR_CONCURRENCY, (SQLPOINTER)SQL_CONCUR_VALUES, 0)), "values", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLSetStmtAttr(st, SQL_ATTR_CURSOR_TYPE, (SQLPOINTER)SQL_CURSOR_STATIC, 0)), "static", SQL_HANDLE_STMT, st);
  SQLINTEGER one_qty = 0;
  SQLLEN one_len = 0;
  CHECK(OK(SQLBindCol(st, 1, SQL_C_SLONG, &one_qty, 0, &one_len)), "bind", SQL_HANDLE_STMT, st);
  exec(st, "SELECT qty FROM sp_items WHERE id = 2");
  CHECK(OK(SQLFetch(st)) && one_qty == 99, "fetch", SQL_HANDLE_STMT, st);
  one_qty = 1;
  CHECK(OK(SQLSetPos(st, 1, SQL_UPDATE, SQL_LOCK_NO_CHANGE)), "update in a transaction", SQL_HANDLE_STMT, st);
  EXPECT_SEEN("SELECT qty FROM sp_items WHERE id = 2", "99");
  CHECK(OK(SQLEndTran(SQL_HANDLE_DBC, dbc, SQL_ROLLBACK)), "rollback", SQL_HANDLE_DBC, dbc);
  EXPECT_SEEN("SELECT qty FROM sp_items WHERE id = 2", "99");
  SQLFreeHandle(SQL_HANDLE_STMT, st);
  CHECK(OK(SQLSetConnectAttr(dbc, SQL_ATTR_AUTOCOMMIT, (SQLPOINTER)SQL_AUTOCOMMIT_ON, 0)), "autocommit",
        SQL_HANDLE_DBC, dbc);
  printf("ok transaction\n");

  /* A join cannot be updated: 01S02 at execution, HY092 at SQLSetPos. */
  st = stmt_on(dbc);
  CHECK(OK(SQLSetStmtAttr(st, SQL_ATTR_CONCURRENCY, (SQLPOINTER)SQL_CONCUR_ROWVER, 0)), "rowver", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLSetStmtAttr(st, SQL_ATTR_CURSOR_TYPE, (SQLPOINTER)SQL_CURSOR_STATIC, 0)), "static", SQL_HANDLE_STMT, st);
  rc = SQLExecDirect(st, (SQLCHAR *)"SELECT a.id FROM sp_items a JOIN sp_items b ON a.id = b.id", SQL_NTS);
  CHECK(rc == SQL_SUCCESS_WITH_INFO && strcmp(first_state(SQL_HANDLE_STMT, st), "01S02") == 0, "a join is read-only",
        SQL_HANDLE_STMT, st);
  CHECK(OK(SQLFetch(st)), "fetch", SQL_HANDLE_STMT, st);
  rc = SQLSetPos(st, 1, SQL_DELETE, SQL_LOCK_NO_CHANGE);
  CHECK(rc == SQL_ERROR && strcmp(first_state(SQL_HANDLE_STMT, st), "HY092") == 0, "no delete through a join",
        SQL_HANDLE_STMT, st);
  SQLFreeHandle(SQL_HANDLE_STMT, st);
  /* A view has no row identity: its rows are read through a read-only cursor, with 01S02,
   * executed directly or prepared. */
  setup = stmt_on(dbc);
  exec(setup, "CREATE OR REPLACE VIEW sp_view AS SELECT id, name FROM sp_items");
  SQLFreeHandle(SQL_HANDLE_STMT, setup);
  st = stmt_on(dbc);
  CHECK(OK(SQLSetStmtAttr(st, SQL_ATTR_CONCURRENCY, (SQLPOINTER)SQL_CONCUR_ROWVER, 0)), "rowver", SQL_HANDLE_STMT, st);
  rc = SQLExecDirect(st, (SQLCHAR *)"SELECT id, name FROM sp_view ORDER BY id", SQL_NTS);
  CHECK(rc == SQL_SUCCESS_WITH_INFO && strcmp(first_state(SQL_HANDLE_STMT, st), "01S02") == 0, "a view is read-only",
        SQL_HANDLE_STMT, st);
  SQLINTEGER view_id = 0;
  CHECK(OK(SQLFetch(st)) && OK(SQLGetData(st, 1, SQL_C_SLONG, &view_id, 0, NULL)) && view_id == 1, "the view's rows",
        SQL_HANDLE_STMT, st);
  rc = SQLSetPos(st, 1, SQL_UPDATE, SQL_LOCK_NO_CHANGE);
  CHECK(rc == SQL_ERROR && strcmp(first_state(SQL_HANDLE_STMT, st), "HY092") == 0, "no update through a view",
        SQL_HANDLE_STMT, st);
  SQLCloseCursor(st);
  rc = SQLPrepare(st, (SQLCHAR *)"SELECT name FROM sp_view WHERE id = 2", SQL_NTS);
  CHECK(rc == SQL_SUCCESS_WITH_INFO && strcmp(first_state(SQL_HANDLE_STMT, st), "01S02") == 0, "a view prepared",
        SQL_HANDLE_STMT, st);
  CHECK(OK(SQLExecute(st)) && OK(SQLFetch(st)), "the prepared view runs", SQL_HANDLE_STMT, st);
  exec(setup = stmt_on(dbc), "DROP VIEW sp_view");
  SQLFreeHandle(SQL_HANDLE_STMT, setup);
  SQLFreeHandle(SQL_HANDLE_STMT, st);
  printf("ok read-only select\n");

  /* Positioned statements on a second statement: UPDATE/DELETE ... WHERE CURRENT OF the
   * cursor's name, at the row SQLFetch or SQLSetPos left it on; prepared once, run at two
   * rows. A name no statement has is the server's (a cursor DECLAREd in SQL). */
  SQLHSTMT cur = stmt_on(dbc);
  CHECK(OK(SQLSetStmtAttr(cur, SQL_ATTR_CONCURRENCY, (SQLPOINTER)SQL_CONCUR_ROWVER, 0)), "rowver", SQL_HANDLE_STMT, cur);
  CHECK(OK(SQLSetCursorName(cur, (SQLCHAR *)"editor", SQL_NTS)), "cursor name", SQL_HANDLE_STMT, cur);
  exec(cur, "SELECT id, qty FROM sp_items WHERE id IN (4, 5) ORDER BY id");
  CHECK(OK(SQLFetch(cur)), "on row 4", SQL_HANDLE_STMT, cur);
  SQLHSTMT pos = stmt_on(dbc);
  SQLINTEGER new_qty = 777;
  SQLLEN new_qty_len = 0, affected = 0;
  CHECK(OK(SQLBindParameter(pos, 1, SQL_PARAM_INPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, &new_qty, 0, &new_qty_len)),
        "bind", SQL_HANDLE_STMT, pos);
  CHECK(OK(SQLPrepare(pos, (SQLCHAR *)"UPDATE sp_items SET qty = ? WHERE CURRENT OF editor", SQL_NTS)), "prepare",
        SQL_HANDLE_STMT, pos);
  CHECK(OK(SQLExecute(pos)) && OK(SQLRowCount(pos, &affected)) && affected == 1, "positioned update", SQL_HANDLE_STMT, pos);
  EXPECT_SEEN("SELECT string_agg(id || ':' || qty, ',' ORDER BY id) FROM sp_items WHERE id >= 4", "4:777,5:50");
  CHECK(OK(SQLFetch(cur)), "on row 5", SQL_HANDLE_STMT, cur);
  new_qty = 555;
  CHECK(OK(SQLExecute(pos)), "the prepared positioned update again", SQL_HANDLE_STMT, pos);
  EXPECT_SEEN("SELECT string_agg(id || ':' || qty, ',' ORDER BY id) FROM sp_items WHERE id >= 4", "4:777,5:555");
  SQLFreeHandle(SQL_HANDLE_STMT, pos);
  pos = stmt_on(dbc);
  exec(pos, "DELETE FROM sp_items WHERE CURRENT OF editor");
  EXPECT_SEEN("SELECT string_agg(id::text, ',' ORDER BY id) FROM sp_items WHERE id >= 4", "4");
  SQLFreeHandle(SQL_HANDLE_STMT, pos);
  SQLFreeHandle(SQL_HANDLE_STMT, cur);
  pos = stmt_on(dbc);
  rc = SQLExecDirect(pos, (SQLCHAR *)"DELETE FROM sp_items WHERE CURRENT OF nobody", SQL_NTS);
  CHECK(rc == SQL_ERROR && strcmp(first_state(SQL_HANDLE_STMT, pos), "34000") == 0,
        "an unknown cursor is the server's: 34000", SQL_HANDLE_STMT, pos);
  SQLFreeHandle(SQL_HANDLE_STMT, pos);
  printf("ok where current of\n");

  setup = stmt_on(dbc);
  exec(setup, "DROP TABLE sp_items");
  SQLFreeHandle(SQL_HANDLE_STMT, setup);
  disconnect_and_free(env2, other);
  disconnect_and_free(env, dbc);
  printf("all passed\n");
  return 0;
}
