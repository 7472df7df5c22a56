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

#define LOG_ERROR(mod, ...) log_msg(0x000Fu, mod, __VA_ARGS__)
#define LOG_WARN(mod, ...)  log_msg(0x00F0u, mod, __VA_ARGS__)
#define LOG_INFO(mod, ...)  log_msg(0x0F00u, mod, __VA_ARGS__)
#define LOG_DEBUG(mod, ...) log_msg(0xF000u, mod, __VA_ARGS__)

#endif
