/* result.h: the one result vocabulary shared by domain, db and http layers. */
#ifndef IASC_RESULT_H
#define IASC_RESULT_H

enum iasc_result {
  IASC_OK = 0,
  IASC_INVALID_PARAMETER,      /* 400: a query parameter is unknown, repeated or malformed */
  IASC_INVALID_CURSOR,         /* 400: a cursor that we did not issue for this listing */
  IASC_BAD_REQUEST,            /* 400: malformed request (body, headers) */
  IASC_UNAUTHORIZED,           /* 401 */
  IASC_FORBIDDEN,              /* 403 */
  IASC_NOT_FOUND,              /* 404 */
  IASC_METHOD_NOT_ALLOWED,     /* 405 */
  IASC_MISDIRECTED,            /* 421: a Host this server does not answer for */
  IASC_NOT_ACCEPTABLE,         /* 406 */
  IASC_CONFLICT,               /* 409 */
  IASC_PRECONDITION_FAILED,    /* 412 */
  IASC_PAYLOAD_TOO_LARGE,      /* 413 */
  IASC_UNSUPPORTED_MEDIA_TYPE, /* 415 */
  IASC_INVALID,                /* 422: validation failed */
  IASC_TOO_MANY_REQUESTS,      /* 429: over a rate limit */
  IASC_UNAVAILABLE,            /* 503: the database cannot be reached */
  IASC_INTERNAL,               /* 500: a bug; never for bad input */
};

#endif
