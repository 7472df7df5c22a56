/* test_respond.c: what answers say of their freshness (src/http/respond.c, included for its
 * statics). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "respond.c"

/* The next scheduled change a query learned is dropped when a write of this process came
 * after the query was sent: its snapshot may lack what the write scheduled. */
static void next_change_from_a_query_older_than_a_write_is_ignored(void **state) {
  (void)state;
  long long asked = clock_now_us();
  server_next_change(2000000000);       /* a write schedules an item */
  server_next_change_learned(0, asked); /* a query sent before: "nothing ahead" */
  assert_int_equal(atomic_load(&next_change), 2000000000);
  server_next_change_learned(1900000000, clock_now_us() + 1); /* a query sent after */
  assert_int_equal(atomic_load(&next_change), 1900000000);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(next_change_from_a_query_older_than_a_write_is_ignored),
  };
  return cmocka_run_group_tests_name("respond", tests, NULL, NULL);
}
