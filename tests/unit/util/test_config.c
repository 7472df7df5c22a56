/* test_config.c: defaults, environment and flags (src/util/config.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "iasc/config.h"

/* Loads a configuration for `iasc-api serve [flags...]` with no IASC_WORKERS set. */
static int load(struct iasc_config *cfg, char *flag) {
  char prog[] = "iasc-api", cmd[] = "serve";
  char *argv[] = {prog, cmd, flag, NULL};
  return config_load(cfg, flag != NULL ? 3 : 2, argv, 2);
}

static void workers_default_to_two_per_cpu_from_4_to_16(void **state) {
  (void)state;
  unsetenv("IASC_WORKERS");
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  unsigned want = cpus <= 2 ? 4 : (cpus >= 8 ? 16 : 2 * (unsigned)cpus);
  struct iasc_config cfg;
  assert_int_equal(load(&cfg, NULL), 0);
  assert_int_equal(cfg.workers, want);
  assert_true(cfg.workers >= 4 && cfg.workers <= 16);
  config_free(&cfg);
}

static void workers_follow_the_environment_then_the_flag(void **state) {
  (void)state;
  struct iasc_config cfg;
  setenv("IASC_WORKERS", "3", 1);
  assert_int_equal(load(&cfg, NULL), 0);
  assert_int_equal(cfg.workers, 3);
  config_free(&cfg);
  char flag[] = "--workers=5";
  assert_int_equal(load(&cfg, flag), 0);
  assert_int_equal(cfg.workers, 5);
  config_free(&cfg);
  unsetenv("IASC_WORKERS");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(workers_default_to_two_per_cpu_from_4_to_16),
      cmocka_unit_test(workers_follow_the_environment_then_the_flag),
  };
  return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
