/* netaddr.h: IP addresses as 16 bytes (IPv4 as ::ffff:a.b.c.d), CIDR lists, and the client
 * address behind trusted proxies. Pure functions: nothing here logs an address. */
#ifndef IASC_NETADDR_H
#define IASC_NETADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sockaddr;

struct netaddr {
  uint8_t b[16];
};

struct cidr {
  struct netaddr base; /* the bits past the prefix are zero */
  unsigned bits;       /* prefix length out of 128 (an IPv4 /n is 96 + n) */
};

struct cidr_list {
  struct cidr *v; /* owned */
  size_t n;
};

/* Parses an IPv4 or IPv6 address of n bytes (IPv6 may come in brackets; a ":port" after an
 * IPv4 address or a bracketed IPv6 one is ignored, as X-Forwarded-For senders add it).
 * False when it is no address. */
bool netaddr_parse(const char *text, size_t n, struct netaddr *out);

/* The address of an AF_INET or AF_INET6 socket address; false for any other family. */
bool netaddr_from_sockaddr(const struct sockaddr *sa, struct netaddr *out);

/* What a client is limited by: an IPv4 address whole, an IPv6 address by its /64. */
struct netaddr netaddr_client_key(const struct netaddr *a);

/* Parses "CIDR[,CIDR...]" (an address alone is a /32 or /128; "none" is the empty list).
 * Returns 0, or -1 with a message in error (size bytes) naming the bad entry. Free with
 * cidr_list_free. */
int cidr_list_parse(const char *text, struct cidr_list *out, char *error, size_t size);
bool cidr_list_contains(const struct cidr_list *l, const struct netaddr *a);
void cidr_list_free(struct cidr_list *l);

/* The client's address: the peer's, or, when the peer is in trusted, the right-most entry of
 * X-Forwarded-For (xff, comma-separated; NULL: none) that is not itself trusted. An entry that
 * is no address ends the walk at the hop that sent it; when every entry is trusted, the
 * left-most is the client. */
struct netaddr netaddr_client(const struct netaddr *peer, const char *xff,
                              const struct cidr_list *trusted);

#endif
