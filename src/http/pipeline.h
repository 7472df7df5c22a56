/* pipeline.h: private to src/http: the one Ulfius callback every request goes through. */
#ifndef IASC_HTTP_PIPELINE_H
#define IASC_HTTP_PIPELINE_H

#include <ulfius.h>

#include "cors.h"
#include "iasc/config.h"

/* What the pipeline needs for its whole life (outlives the server). */
struct pipeline {
  const struct iasc_config *cfg;
  const struct cors_config *cors;
};

/* Ulfius' default endpoint (user_data: a struct pipeline): runs every stage and always
 * returns U_CALLBACK_COMPLETE with the answer in response. */
int pipeline_dispatch(const struct _u_request *request, struct _u_response *response,
                      void *user_data);

#endif
