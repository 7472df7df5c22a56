/* log.c: one line per event on stderr through yder: "<time> - iasc-api LEVEL: module message". */
#include "iasc/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <yder.h>

static unsigned long current_level = Y_LOG_LEVEL_INFO;

int log_init(const char *level) {
  static const struct {
    const char *name;
    unsigned long level;
  } levels[] = {{"error", Y_LOG_LEVEL_ERROR},
                {"warning", Y_LOG_LEVEL_WARNING},
                {"info", Y_LOG_LEVEL_INFO},
                {"debug", Y_LOG_LEVEL_DEBUG}};
  for (size_t i = 0; i < sizeof levels / sizeof levels[0]; i++) {
    if (strcmp(level, levels[i].name) == 0) {
      current_level = levels[i].level;
      return y_init_logs("iasc-api", Y_LOG_MODE_CONSOLE, current_level, NULL, "iasc-api starting")
                 ? 0
                 : -1;
    }
  }
  return -1;
}

void log_close(void) {
  y_close_logs();
}

bool log_enabled(unsigned long level) {
  return level <= current_level;
}

void log_msg(unsigned long level, const char *module, const char *fmt, ...) {
  if (!log_enabled(level))
    return;
  char line[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  /* One event, one line: never let a value break the line. */
  for (char *p = line; *p; p++)
    if (*p == '\n' || *p == '\r')
      *p = ' ';
  y_log_message(level, "%s: %s", module, line);
}
