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
  /* The name SQLGetCursorName reports for a statement that was given none. */
  cur = stmt_on(dbc);
  CHECK(OK(SQLSetStmtAttr(cur, SQL_ATTR_CONCURRENCY, (SQLPOINTER)SQL_CONCUR_ROWVER, 0)), "rowver", SQL_HANDLE_STMT, cur);
  exec(cur, "SELECT id FROM sp_items WHERE id = 4");
  CHECK(OK(SQLFetch(cur)), "on row 4", SQL_HANDLE_STMT, cur);
  SQLCHAR generated[64] = "";
  SQLSMALLINT generated_len = 0;
  CHECK(OK(SQLGetCursorName(cur, generated, sizeof generated, &generated_len)) && generated_len > 0, "generated name",
        SQL_HANDLE_STMT, cur);
  char positioned_sql[160];
  snprintf(positioned_sql, sizeof positioned_sql, "UPDATE sp_items SET qty = 4444 WHERE CURRENT OF %s", (char *)generated);
  pos = stmt_on(dbc);
  exec(pos, positioned_sql);
  EXPECT_SEEN("SELECT qty FROM sp_items WHERE id = 4", "4444");
  SQLFreeHandle(SQL_HANDLE_STMT, pos);
  SQLFreeHandle(SQL_HANDLE_STMT, cur);
  pos = stmt_on(dbc);
  rc = SQLExecDirect(pos, (SQLCHAR *)"DELETE FROM sp_items WHERE CURRENT OF nobody", SQL_NTS);
  CHECK(rc == SQL_ERROR && strcmp(first_state(SQL_HANDLE_STMT, pos), "34000") == 0,
        "an unknown cursor is the server's: 34000", SQL_HANDLE_STMT, pos);
  SQLFreeHandle(SQL_HANDLE_STMT, pos);
  printf("ok where current of\n");

  /* Bookmarks (variable-length, column 0) and SQLBulkOperations. The table now holds ids 1,
   * 2 and 4. */
  {
    SQLUSMALLINT present = SQL_FALSE;
    CHECK(OK(SQLGetFunctions(dbc, SQL_API_SQLBULKOPERATIONS, &present)) && present == SQL_TRUE,
          "SQLBulkOperations listed", SQL_HANDLE_DBC, dbc);
    SQLHSTMT bk = stmt_on(dbc);
    SQLUSMALLINT bk_status[2], bk_ops[2] = {SQL_ROW_PROCEED, SQL_ROW_PROCEED};
    SQLINTEGER bm[2], bk_id[2], bk_qty[2];
    SQLCHAR bk_name[2][21];
    SQLLEN bm_len[2], bk_id_len[2], bk_name_len[2], bk_qty_len[2];
    SQLULEN bk_fetched = 0;
    rc = SQLBindCol(bk, 0, SQL_C_VARBOOKMARK, bm, sizeof bm[0], bm_len);
    CHECK(rc == SQL_ERROR && strcmp(first_state(SQL_HANDLE_STMT, bk), "07009") == 0, "column 0 needs bookmarks on",
          SQL_HANDLE_STMT, bk);
    CHECK(OK(SQLSetStmtAttr(bk, SQL_ATTR_CONCURRENCY, (SQLPOINTER)SQL_CONCUR_ROWVER, 0)), "rowver", SQL_HANDLE_STMT, bk);
    CHECK(OK(SQLSetStmtAttr(bk, SQL_ATTR_CURSOR_TYPE, (SQLPOINTER)SQL_CURSOR_STATIC, 0)), "static", SQL_HANDLE_STMT, bk);
    CHECK(OK(SQLSetStmtAttr(bk, SQL_ATTR_USE_BOOKMARKS, (SQLPOINTER)SQL_UB_VARIABLE, 0)), "bookmarks", SQL_HANDLE_STMT, bk);
    CHECK(OK(SQLSetStmtAttr(bk, SQL_ATTR_ROW_ARRAY_SIZE, (SQLPOINTER)2, 0)), "rowset of 2", SQL_HANDLE_STMT, bk);
    CHECK(OK(SQLSetStmtAttr(bk, SQL_ATTR_ROW_STATUS_PTR, bk_status, 0)), "status", SQL_HANDLE_STMT, bk);
    CHECK(OK(SQLSetStmtAttr(bk, SQL_ATTR_ROW_OPERATION_PTR, bk_ops, 0)), "operations", SQL_HANDLE_STMT, bk);
    CHECK(OK(SQLSetStmtAttr(bk, SQL_ATTR_ROWS_FETCHED_PTR, &bk_fetched, 0)), "fetched", SQL_HANDLE_STMT, bk);
    CHECK(OK(SQLBindCol(bk, 0, SQL_C_VARBOOKMARK, bm, sizeof bm[0], bm_len)), "bind bookmark", SQL_HANDLE_STMT, bk);
    CHECK(OK(SQLBindCol(bk, 1, SQL_C_SLONG, bk_id, 0, bk_id_len)), "bind id", SQL_HANDLE_STMT, bk);
    CHECK(OK(SQLBindCol(bk, 2, SQL_C_CHAR, bk_name, sizeof bk_name[0], bk_name_len)), "bind name", SQL_HANDLE_STMT, bk);
    CHECK(OK(SQLBindCol(bk, 3, SQL_C_SLONG, bk_qty, 0, bk_qty_len)), "bind qty", SQL_HANDLE_STMT, bk);
    exec(bk, "SELECT id, name, qty FROM sp_items ORDER BY id");
    SQLSMALLINT bm_type = 0;
    SQLULEN bm_size = 0;
    CHECK(OK(SQLDescribeCol(bk, 0, NULL, 0, NULL, &bm_type, &bm_size, NULL, NULL)) && bm_type == SQL_BINARY && bm_size == 4,
          "column 0 is a 4-byte binary", SQL_HANDLE_STMT, bk);
    CHECK(OK(SQLFetch(bk)) && bk_fetched == 2 && bm[0] == 1 && bm[1] == 2 && bm_len[0] == 4 && bk_id[1] == 2,
          "bookmarks are row numbers", SQL_HANDLE_STMT, bk);
    SQLINTEGER got_bm = 0;
    SQLLEN got_bm_len = 0;
    CHECK(OK(SQLSetPos(bk, 2, SQL_POSITION, SQL_LOCK_NO_CHANGE)) &&
              OK(SQLGetData(bk, 0, SQL_C_VARBOOKMARK, &got_bm, sizeof got_bm, &got_bm_len)) && got_bm == 2 && got_bm_len == 4,
          "SQLGetData of column 0", SQL_HANDLE_STMT, bk);
    SQLINTEGER saved = 2;
    CHECK(OK(SQLSetStmtAttr(bk, SQL_ATTR_FETCH_BOOKMARK_PTR, &saved, 0)), "bookmark ptr", SQL_HANDLE_STMT, bk);
    CHECK(OK(SQLFetchScroll(bk, SQL_FETCH_BOOKMARK, 1)) && bk_fetched == 1 && bk_id[0] == 4 && bm[0] == 3,
          "SQL_FETCH_BOOKMARK with an offset", SQL_HANDLE_STMT, bk);
    printf("ok bookmarks\n");

    /* SQL_ADD: two new rows, their bookmarks written back. */
    bk_id[0] = 10; snprintf((char *)bk_name[0], 21, "added ten"); bk_name_len[0] = SQL_NTS; bk_qty[0] = 1;
    bk_id[1] = 11; snprintf((char *)bk_name[1], 21, "added eleven"); bk_name_len[1] = SQL_NTS; bk_qty[1] = 2;
    bk_id_len[0] = bk_id_len[1] = bk_qty_len[0] = bk_qty_len[1] = sizeof(SQLINTEGER);
    CHECK(SQLBulkOperations(bk, SQL_ADD) == SQL_SUCCESS, "SQL_ADD", SQL_HANDLE_STMT, bk);
    CHECK(bk_status[0] == SQL_ROW_ADDED && bk_status[1] == SQL_ROW_ADDED && bm[0] == 4 && bm[1] == 5,
          "added rows and their bookmarks", SQL_HANDLE_STMT, bk);
    EXPECT_SEEN("SELECT string_agg(id || ':' || name, ',' ORDER BY id) FROM sp_items WHERE id >= 10",
                "10:added ten,11:added eleven");
    /* SQL_UPDATE_BY_BOOKMARK: rows 1 (id 1) and 4 (id 10). */
    bm[0] = 1; bk_id[0] = 1; snprintf((char *)bk_name[0], 21, "by bookmark"); bk_qty[0] = 111;
    bm[1] = 4; bk_id[1] = 10; snprintf((char *)bk_name[1], 21, "ten"); bk_qty[1] = 222;
    CHECK(SQLBulkOperations(bk, SQL_UPDATE_BY_BOOKMARK) == SQL_SUCCESS && bk_status[0] == SQL_ROW_UPDATED &&
              bk_status[1] == SQL_ROW_UPDATED,
          "SQL_UPDATE_BY_BOOKMARK", SQL_HANDLE_STMT, bk);
    EXPECT_SEEN("SELECT string_agg(id || ':' || name || ':' || qty, ',' ORDER BY id) FROM sp_items WHERE id IN (1, 10)",
                "1:by bookmark:111,10:ten:222");
    /* SQL_DELETE_BY_BOOKMARK of row 5 (id 11); the second element is ignored. */
    bm[0] = 5;
    bk_ops[1] = SQL_ROW_IGNORE;
    CHECK(SQLBulkOperations(bk, SQL_DELETE_BY_BOOKMARK) == SQL_SUCCESS && bk_status[0] == SQL_ROW_DELETED,
          "SQL_DELETE_BY_BOOKMARK", SQL_HANDLE_STMT, bk);
    bk_ops[1] = SQL_ROW_PROCEED;
    EXPECT_SEEN("SELECT string_agg(id::text, ',' ORDER BY id) FROM sp_items", "1,2,4,10");
    /* SQL_FETCH_BY_BOOKMARK: rows 2 and 1 into the buffers, as they are now. */
    bm[0] = 2;
    bm[1] = 1;
    CHECK(SQLBulkOperations(bk, SQL_FETCH_BY_BOOKMARK) == SQL_SUCCESS && bk_id[0] == 2 && bk_id[1] == 1 &&
              bk_qty[1] == 111 && strcmp((char *)bk_name[1], "by bookmark") == 0,
          "SQL_FETCH_BY_BOOKMARK", SQL_HANDLE_STMT, bk);
    /* A bookmark stays valid after the update: row 4 is id 10 with its new values. */
    saved = 4;
    CHECK(OK(SQLFetchScroll(bk, SQL_FETCH_BOOKMARK, 0)) && bk_id[0] == 10 && bk_qty[0] == 222 && bm[0] == 4,
          "a bookmark after updates", SQL_HANDLE_STMT, bk);
    bm[0] = 99;
    bm[1] = 1;
    rc = SQLBulkOperations(bk, SQL_FETCH_BY_BOOKMARK);
    CHECK(rc == SQL_ERROR && strcmp(first_state(SQL_HANDLE_STMT, bk), "HY111") == 0, "a bookmark of no row",
          SQL_HANDLE_STMT, bk);
    SQLFreeHandle(SQL_HANDLE_STMT, bk);
    printf("ok bulk operations\n");
  }

  /* psqlODBC's UpdatableCursors=0: every cursor is read-only (its bit-mask values, such as
   * 15, are accepted: see the connection above, made with UpdatableCursors=15). */
  {
    char off_conn[1024];
    snprintf(off_conn, sizeof off_conn, "%s", argv[1]);
    char *mask = strstr(off_conn, ";UpdatableCursors=");
    if (mask) *mask = 0;
    strncat(off_conn, ";UpdatableCursors=0", sizeof off_conn - strlen(off_conn) - 1);
    SQLHENV env3;
    SQLHDBC off;
    connect_or_exit(off_conn, SQL_OV_ODBC3, &env3, &off);
    SQLHSTMT ro = stmt_on(off);
    CHECK(OK(SQLSetStmtAttr(ro, SQL_ATTR_CONCURRENCY, (SQLPOINTER)SQL_CONCUR_ROWVER, 0)), "rowver", SQL_HANDLE_STMT, ro);
    rc = SQLExecDirect(ro, (SQLCHAR *)"SELECT id FROM sp_items ORDER BY id", SQL_NTS);
    CHECK(rc == SQL_SUCCESS_WITH_INFO && strcmp(first_state(SQL_HANDLE_STMT, ro), "01S02") == 0,
          "UpdatableCursors=0: read-only with 01S02", SQL_HANDLE_STMT, ro);
    CHECK(OK(SQLFetch(ro)), "fetch", SQL_HANDLE_STMT, ro);
    rc = SQLSetPos(ro, 1, SQL_DELETE, SQL_LOCK_NO_CHANGE);
    CHECK(rc == SQL_ERROR && strcmp(first_state(SQL_HANDLE_STMT, ro), "HY092") == 0, "no delete", SQL_HANDLE_STMT, ro);
    SQLFreeHandle(SQL_HANDLE_STMT, ro);
    disconnect_and_free(env3, off);
    printf("ok updatable cursors off\n");
  }

  setup = stmt_on(dbc);
  exec(setup, "DROP TABLE sp_items");
  SQLFreeHandle(SQL_HANDLE_STMT, setup);
  disconnect_and_free(env2, other);
  disconnect_and_free(env, dbc);
  printf("all passed\n");
  return 0;
}
