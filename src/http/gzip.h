/* gzip.h: Accept-Encoding negotiation (RFC 9110 §12.5.3) and gzip compression with zlib.
 * Both functions are reentrant: no shared state, safe from any thread. */
#ifndef IASC_GZIP_H
#define IASC_GZIP_H

#include <stdbool.h>
#include <stddef.h>

#include "iasc/buf.h"

/* Bodies shorter than this are not worth compressing (gzip's 18-byte frame and the CPU cost
 * outweigh the saving; the figure is Akamai's and Google's usual threshold). */
#define GZIP_MIN_BYTES 860
/* The zlib level used: the usual speed/size balance (nginx and Apache default to 1 and 6). */
#define GZIP_LEVEL 6

enum gzip_choice {
  GZIP_IDENTITY,        /* send the body as is (header absent, empty, or identity preferred) */
  GZIP_USE,             /* gzip preferred; identity still acceptable (so small bodies may go
                           uncompressed, see gzip_should_compress) */
  GZIP_ONLY,            /* gzip acceptable, identity refused: compress whatever the size */
  GZIP_NONE_ACCEPTABLE, /* neither gzip nor identity acceptable: answer 406 */
};

/* Chooses a content coding from an Accept-Encoding field value (NULL: header absent).
 * Codings are case-insensitive tokens; "x-gzip" is gzip; "*" stands for every coding not
 * listed; identity is acceptable unless "identity;q=0", or "*;q=0" without identity, says
 * otherwise. q-values follow the RFC grammar (0, 0.5, 0.000, 1, 1.000); a member with a
 * malformed q-value is ignored. When a coding is listed twice the highest q counts. gzip is
 * used when its q is > 0 and at least identity's; an identity that is not listed (nor "*")
 * ranks below every listed coding, so "gzip;q=0.5" still means gzip. */
enum gzip_choice gzip_negotiate(const char *accept_encoding);

/* True when a body of len bytes should be sent gzip-coded under choice. */
bool gzip_should_compress(enum gzip_choice choice, size_t len);

/* Appends the gzip member (RFC 1952) for n bytes of in to out, at GZIP_LEVEL. Returns false
 * on a zlib or allocation error; out's length is then back to what it was. out keeps owning
 * its memory (buf_free or buf_steal). */
bool gzip_compress(const void *in, size_t n, struct buf *out);

#endif
