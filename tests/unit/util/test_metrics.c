/* test_metrics.c: counters, the request-duration histogram and the text exposition
 * (src/util/metrics.c). The .c is included to reach its limits (NSLOTS). */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../../../src/util/metrics.c"

static const char *const TEMPLATES[] = {"/v1/news", "/v1/news/{key}", "/a\"b\\c"};

static int setup(void **state) {
  (void)state;
  return metrics_init(TEMPLATES, 3, "1.2.3-test");
}

static int teardown(void **state) {
  (void)state;
  metrics_shutdown();
  return 0;
}

/* The exposition now (malloc'd). */
static char *scrape(void) {
  struct buf b = {0};
  metrics_write(&b);
  assert_false(b.failed);
  return buf_steal(&b);
}

/* The value of the sample line that starts with prefix (name and labels), or -1. */
static double sample(const char *text, const char *prefix) {
  for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
    if (strncmp(p, prefix, strlen(prefix)) == 0 && p[strlen(prefix)] == ' ')
      return strtod(p + strlen(prefix) + 1, NULL);
  return -1;
}

static void durations_fall_into_cumulative_otel_buckets(void **state) {
  (void)state;
  metrics_observe(0, METHOD_GET, 200, 1000000);     /* 1 ms */
  metrics_observe(0, METHOD_GET, 200, 5000000);     /* 5 ms: le="0.005" is inclusive */
  metrics_observe(0, METHOD_GET, 200, 80000000);    /* 80 ms */
  metrics_observe(0, METHOD_GET, 200, 20000000000); /* 20 s: only +Inf */
  char *t = scrape();
  const char *s = "http_server_request_duration_seconds";
  char p[256];
#define LINE(suffix, le)                                                                           \
  (snprintf(p, sizeof p, "%s_%s{method=\"GET\",route=\"/v1/news\",status_code=\"200\"%s}", s,      \
            suffix, le),                                                                           \
   sample(t, p))
  assert_true(LINE("bucket", ",le=\"0.005\"") == 2);
  assert_true(LINE("bucket", ",le=\"0.075\"") == 2);
  assert_true(LINE("bucket", ",le=\"0.1\"") == 3);
  assert_true(LINE("bucket", ",le=\"10\"") == 3);
  assert_true(LINE("bucket", ",le=\"+Inf\"") == 4);
  assert_true(LINE("count", "") == 4);
  double sum = LINE("sum", "");
  assert_true(sum > 20.085 && sum < 20.087);
#undef LINE
  assert_non_null(strstr(t, "# TYPE http_server_request_duration_seconds histogram\n"));
  free(t);
}

static void series_are_told_apart_by_method_route_and_status(void **state) {
  (void)state;
  metrics_observe(1, METHOD_HEAD, 304, 1000);
  metrics_observe(-1, metrics_method("BREW"), 404, 1000);
  metrics_observe(2, METHOD_POST, 405, 1000);
  char *t = scrape();
  assert_true(sample(t, "http_server_request_duration_seconds_count{method=\"HEAD\","
                        "route=\"/v1/news/{key}\",status_code=\"304\"}") == 1);
  assert_true(sample(t, "http_server_request_duration_seconds_count{method=\"_OTHER\","
                        "route=\"unmatched\",status_code=\"404\"}") == 1);
  /* Label values are escaped. */
  assert_true(sample(t, "http_server_request_duration_seconds_count{method=\"POST\","
                        "route=\"/a\\\"b\\\\c\",status_code=\"405\"}") == 1);
  free(t);
}

static void *count_many(void *arg) {
  (void)arg;
  for (int i = 0; i < 10000; i++) {
    metrics_count(METRIC_RATE_LIMITED_TOKEN);
    metrics_observe(0, METHOD_PUT, 201, 1);
  }
  return NULL;
}

static void counts_from_many_threads_add_up(void **state) {
  (void)state;
  pthread_t th[12]; /* more threads than shards: some share one */
  for (size_t i = 0; i < 12; i++)
    assert_int_equal(pthread_create(&th[i], NULL, count_many, NULL), 0);
  for (size_t i = 0; i < 12; i++)
    pthread_join(th[i], NULL);
  assert_true(metrics_counter_total(METRIC_RATE_LIMITED_TOKEN) == 120000);
  char *t = scrape();
  assert_true(sample(t, "iasc_rate_limit_rejections_total{limit=\"token\"}") == 120000);
  assert_true(sample(t, "http_server_request_duration_seconds_count{method=\"PUT\","
                        "route=\"/v1/news\",status_code=\"201\"}") == 120000);
  free(t);
}

static void a_full_shard_counts_what_it_drops(void **state) {
  (void)state;
  /* Distinct statuses fill this thread's shard: one key per (route, method, status). */
  for (int st = 100; st < 100 + NSLOTS + 10; st++)
    metrics_observe(0, METHOD_DELETE, st % 1000, 1);
  char *t = scrape();
  assert_true(sample(t, "iasc_metrics_series_dropped_total") >= 10);
  free(t);
}

static void the_exposition_has_build_info_counters_and_process_metrics(void **state) {
  (void)state;
  metrics_count(METRIC_INVALIDATIONS_NOTIFY);
  char *t = scrape();
  assert_true(sample(t, "iasc_build_info{version=\"1.2.3-test\"}") == 1);
  assert_true(sample(t, "iasc_cache_invalidations_total{source=\"notify\"}") == 1);
  assert_true(sample(t, "process_resident_memory_bytes") > 0);
  assert_true(sample(t, "process_start_time_seconds") > 1.7e9);
  /* Every family is typed once, and counters end in _total. */
  for (const char *p = strstr(t, "# TYPE "); p; p = strstr(p + 1, "# TYPE ")) {
    char name[128], type[32];
    assert_int_equal(sscanf(p, "# TYPE %127s %31s", name, type), 2);
    if (strcmp(type, "counter") == 0)
      assert_non_null(strstr(name, "_total"));
    char again[160];
    snprintf(again, sizeof again, "# TYPE %s ", name);
    assert_true(strstr(p + 1, again) == NULL);
  }
  free(t);
}

static void write_source(struct buf *out) {
  buf_puts(out, "# HELP x_things Things.\n# TYPE x_things gauge\nx_things 7\n");
}

static void a_source_adds_its_gauges(void **state) {
  (void)state;
  metrics_set_source(write_source);
  char *t = scrape();
  assert_true(sample(t, "x_things") == 7);
  free(t);
  metrics_set_source(NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(durations_fall_into_cumulative_otel_buckets, setup, teardown),
      cmocka_unit_test_setup_teardown(series_are_told_apart_by_method_route_and_status, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(counts_from_many_threads_add_up, setup, teardown),
      cmocka_unit_test_setup_teardown(a_full_shard_counts_what_it_drops, setup, teardown),
      cmocka_unit_test_setup_teardown(the_exposition_has_build_info_counters_and_process_metrics,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(a_source_adds_its_gauges, setup, teardown),
  };
  return cmocka_run_group_tests_name("metrics", tests, NULL, NULL);
}
