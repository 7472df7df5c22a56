/* netaddr.c: IP addresses, CIDR lists and the client behind trusted proxies (netaddr.h). */
#include "iasc/netaddr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static const uint8_t V4_PREFIX[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

static void from_v4(const void *four, struct netaddr *out) {
  memcpy(out->b, V4_PREFIX, 12);
  memcpy(out->b + 12, four, 4);
}

/* Trims spaces and tabs around s[0..*n); returns the new start. */
static const char *trim(const char *s, size_t *n) {
  while (*n > 0 && (*s == ' ' || *s == '\t'))
    s++, (*n)--;
  while (*n > 0 && (s[*n - 1] == ' ' || s[*n - 1] == '\t'))
    (*n)--;
  return s;
}

/* An address alone, NUL-terminated, of either family. */
static bool parse_plain(const char *buf, struct netaddr *out) {
  unsigned char raw[16];
  if (inet_pton(AF_INET6, buf, raw) == 1) {
    memcpy(out->b, raw, 16);
    return true;
  }
  if (inet_pton(AF_INET, buf, raw) != 1)
    return false;
  from_v4(raw, out);
  return true;
}

bool netaddr_parse(const char *text, size_t n, struct netaddr *out) {
  char buf[INET6_ADDRSTRLEN + 8];
  text = trim(text, &n);
  if (n > 0 && text[0] == '[') { /* [v6] or [v6]:port */
    const char *close = memchr(text, ']', n);
    if (close == NULL)
      return false;
    n = (size_t)(close - text) - 1;
    text++;
  }
  if (n == 0 || n >= sizeof buf)
    return false;
  memcpy(buf, text, n);
  buf[n] = '\0';
  if (parse_plain(buf, out))
    return true;
  char *colon = strchr(buf, ':');
  if (colon == NULL || strchr(colon + 1, ':') != NULL)
    return false;
  *colon = '\0'; /* a.b.c.d:port */
  return strchr(buf, '.') != NULL && parse_plain(buf, out);
}

bool netaddr_from_sockaddr(const struct sockaddr *sa, struct netaddr *out) {
  if (sa != NULL && sa->sa_family == AF_INET) {
    from_v4(&((const struct sockaddr_in *)(const void *)sa)->sin_addr, out);
    return true;
  }
  if (sa != NULL && sa->sa_family == AF_INET6) {
    memcpy(out->b, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, 16);
    return true;
  }
  return false;
}

struct netaddr netaddr_client_key(const struct netaddr *a) {
  struct netaddr k = *a;
  if (memcmp(a->b, V4_PREFIX, 12) != 0)
    memset(k.b + 8, 0, 8);
  return k;
}

/* a with the bits past the prefix cleared. */
static struct netaddr masked(const struct netaddr *a, unsigned bits) {
  struct netaddr m = *a;
  for (unsigned i = 0; i < 16; i++) {
    unsigned keep = bits >= 8 * (i + 1) ? 8 : bits > 8 * i ? bits - 8 * i : 0;
    m.b[i] &= (uint8_t)(0xff00u >> keep);
  }
  return m;
}

/* One entry "address[/bits]" of n bytes. */
static bool parse_cidr(const char *s, size_t n, struct cidr *out) {
  s = trim(s, &n);
  const char *slash = memchr(s, '/', n);
  size_t alen = slash ? (size_t)(slash - s) : n;
  char buf[INET6_ADDRSTRLEN + 1];
  if (alen == 0 || alen >= sizeof buf)
    return false;
  memcpy(buf, s, alen);
  buf[alen] = '\0';
  if (!parse_plain(buf, &out->base))
    return false;
  bool v4 = memcmp(out->base.b, V4_PREFIX, 12) == 0 && memchr(s, ':', alen) == NULL;
  unsigned max = v4 ? 32 : 128, bits = max;
  if (slash != NULL) {
    char num[4] = {0};
    size_t dlen = n - alen - 1;
    if (dlen == 0 || dlen > 3)
      return false;
    memcpy(num, slash + 1, dlen);
    char *end;
    unsigned long v = strtoul(num, &end, 10);
    if (*end != '\0' || num[0] < '0' || num[0] > '9' || v > max)
      return false;
    bits = (unsigned)v;
  }
  out->bits = v4 ? 96 + bits : bits;
  out->base = masked(&out->base, out->bits);
  return true;
}

int cidr_list_parse(const char *text, struct cidr_list *out, char *error, size_t size) {
  *out = (struct cidr_list){0};
  if (text == NULL || strcmp(text, "none") == 0)
    return 0;
  size_t cap = 1;
  for (const char *p = text; *p; p++)
    cap += *p == ',';
  out->v = calloc(cap, sizeof *out->v);
  if (out->v == NULL) {
    snprintf(error, size, "out of memory");
    return -1;
  }
  for (const char *p = text;;) {
    size_t len = strcspn(p, ",");
    if (!parse_cidr(p, len, &out->v[out->n])) {
      snprintf(error, size, "\"%.*s\" is not an address or CIDR block (such as 10.0.0.0/8)",
               (int)(len > 60 ? 60 : len), p);
      cidr_list_free(out);
      return -1;
    }
    out->n++;
    if (p[len] == '\0')
      return 0;
    p += len + 1;
  }
}

bool cidr_list_contains(const struct cidr_list *l, const struct netaddr *a) {
  for (size_t i = 0; l != NULL && i < l->n; i++) {
    struct netaddr m = masked(a, l->v[i].bits);
    if (memcmp(m.b, l->v[i].base.b, 16) == 0)
      return true;
  }
  return false;
}

void cidr_list_free(struct cidr_list *l) {
  free(l->v);
  *l = (struct cidr_list){0};
}

struct netaddr netaddr_client(const struct netaddr *peer, const char *xff,
                              const struct cidr_list *trusted) {
  struct netaddr hop = *peer;
  if (xff == NULL || !cidr_list_contains(trusted, peer))
    return hop;
  size_t end = strlen(xff);
  while (end > 0) {
    size_t start = end;
    while (start > 0 && xff[start - 1] != ',')
      start--;
    struct netaddr a;
    if (!netaddr_parse(xff + start, end - start, &a))
      return hop; /* a hop we trust sent something that is no address: stop at it */
    hop = a;
    if (!cidr_list_contains(trusted, &a))
      return hop;
    end = start > 0 ? start - 1 : 0;
  }
  return hop;
}
