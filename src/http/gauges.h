/* gauges.h: private to src/http: the http layer's part of the /metrics exposition. */
#ifndef IASC_HTTP_GAUGES_H
#define IASC_HTTP_GAUGES_H

#include "iasc/buf.h"

/* Appends the gauges and counters of the cache, the workers and connections (a
 * metrics_source_fn). */
void gauges_write(struct buf *out);

#endif
