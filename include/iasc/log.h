/* log.h: one line per event on stderr, with level and module, through yder. */
#ifndef IASC_LOG_H
#define IASC_LOG_H

#include <stdbool.h>

/* Starts logging at the named level (error|warning|info|debug). Returns 0, or -1 for an
 * unknown level name. */
int log_init(const char *level);
void log_close(void);
void log_msg(unsigned long level, const char *module, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define LOG_LEVEL_ERROR 0x000Fu
#define LOG_LEVEL_WARN  0x00F0u
#define LOG_LEVEL_INFO  0x0F00u
#define LOG_LEVEL_DEBUG 0xF000u

/* True when messages of that level are written: skip building what would be dropped. */
bool log_enabled(unsigned long level);

#define LOG_ERROR(mod, ...) log_msg(LOG_LEVEL_ERROR, mod, __VA_ARGS__)
#define LOG_WARN(mod, ...)  log_msg(LOG_LEVEL_WARN, mod, __VA_ARGS__)
#define LOG_INFO(mod, ...)  log_msg(LOG_LEVEL_INFO, mod, __VA_ARGS__)
#define LOG_DEBUG(mod, ...) log_msg(LOG_LEVEL_DEBUG, mod, __VA_ARGS__)

#endif
