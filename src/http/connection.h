/* connection.h: private to src/http: libmicrohttpd's three callbacks for every request. */
#ifndef IASC_HTTP_CONNECTION_H
#define IASC_HTTP_CONNECTION_H

#include <microhttpd.h>

#include "cors.h"
#include "iasc/config.h"

/* What every request needs, for the daemon's life (cls of the callbacks below). */
struct pipeline {
  const struct iasc_config *cfg;
  const struct cors_config *cors;
  const struct limits *limits;
};

/* MHD_OPTION_URI_LOG_CALLBACK: the request line is in; returns the request's state (NULL
 * when out of memory: the access handler then closes the connection). */
void *connection_begin(void *cls, const char *uri, struct MHD_Connection *conn);

/* The access handler, called when the headers are in, for each piece of the body, and once
 * more at its end. */
enum MHD_Result connection_access(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls);

/* MHD_OPTION_NOTIFY_COMPLETED: logs the request and frees its state. */
void connection_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                          enum MHD_RequestTerminationCode toe);

/* Requests in flight: from their request line to their completion. */
unsigned connection_in_flight(void);

#endif
