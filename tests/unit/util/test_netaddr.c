/* test_netaddr.c: addresses, CIDR lists, limiting keys and the client behind trusted proxies
 * (src/util/netaddr.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <arpa/inet.h>
#include <cmocka.h>
#include <netinet/in.h>

#include "iasc/netaddr.h"

static struct netaddr addr(const char *s) {
  struct netaddr a;
  if (!netaddr_parse(s, strlen(s), &a))
    fail_msg("cannot parse %s", s);
  return a;
}

static bool same(struct netaddr a, const char *s) {
  struct netaddr b = addr(s);
  return memcmp(a.b, b.b, 16) == 0;
}

static struct cidr_list list(const char *text) {
  struct cidr_list l;
  char error[160];
  if (cidr_list_parse(text, &l, error, sizeof error) != 0)
    fail_msg("cannot parse %s: %s", text, error);
  return l;
}

static void addresses_of_both_families_parse(void **state) {
  (void)state;
  struct netaddr a;
  assert_true(same(addr("10.1.2.3"), "::ffff:10.1.2.3"));
  assert_true(same(addr(" 10.1.2.3:8080 "), "10.1.2.3"));
  assert_true(same(addr("[2001:db8::1]:443"), "2001:db8::1"));
  assert_true(same(addr("[2001:db8::1]"), "2001:db8::1"));
  assert_false(netaddr_parse("10.1.2", 6, &a));
  assert_false(netaddr_parse("example.org", 11, &a));
  assert_false(netaddr_parse("", 0, &a));
  assert_false(netaddr_parse("[2001:db8::1", 12, &a));
  assert_false(netaddr_parse("2001:db8::1:80:x", 16, &a));
  assert_false(netaddr_parse("10.1.2.3:80:90", 14, &a));
  /* n bounds the text: "10.1.2.34" cut at 8 is 10.1.2.3 */
  assert_true(netaddr_parse("10.1.2.34", 8, &a) && same(a, "10.1.2.3"));
}

static void socket_addresses_convert(void **state) {
  (void)state;
  struct sockaddr_in v4 = {.sin_family = AF_INET};
  inet_pton(AF_INET, "192.0.2.9", &v4.sin_addr);
  struct sockaddr_in6 v6 = {.sin6_family = AF_INET6};
  inet_pton(AF_INET6, "2001:db8::9", &v6.sin6_addr);
  struct netaddr a;
  assert_true(netaddr_from_sockaddr((struct sockaddr *)&v4, &a) && same(a, "192.0.2.9"));
  assert_true(netaddr_from_sockaddr((struct sockaddr *)&v6, &a) && same(a, "2001:db8::9"));
  struct sockaddr other = {.sa_family = AF_UNIX};
  assert_false(netaddr_from_sockaddr(&other, &a));
  assert_false(netaddr_from_sockaddr(NULL, &a));
}

static void ipv6_clients_are_keyed_by_their_64(void **state) {
  (void)state;
  struct netaddr a = addr("2001:db8:1:2:aaaa:bbbb:cccc:dddd");
  assert_true(same(netaddr_client_key(&a), "2001:db8:1:2::"));
  struct netaddr b = addr("2001:db8:1:2::77");
  assert_memory_equal(netaddr_client_key(&a).b, netaddr_client_key(&b).b, 16);
  struct netaddr c = addr("2001:db8:1:3::1");
  assert_memory_not_equal(netaddr_client_key(&a).b, netaddr_client_key(&c).b, 16);
  struct netaddr v4 = addr("198.51.100.200");
  assert_true(same(netaddr_client_key(&v4), "198.51.100.200"));
}

static void cidr_lists_match_their_blocks(void **state) {
  (void)state;
  struct cidr_list l = list("127.0.0.0/8, ::1/128,10.20.0.0/15,2001:db8:abcd::/48,192.0.2.7");
  struct netaddr in[] = {addr("127.9.9.9"), addr("::1"), addr("10.21.255.255"),
                         addr("2001:db8:abcd:ffff::1"), addr("192.0.2.7")};
  struct netaddr out[] = {addr("128.0.0.1"),        addr("::2"),       addr("10.22.0.0"),
                          addr("2001:db8:abce::1"), addr("192.0.2.8"), addr("::ffff:7f00:1") /* */};
  for (size_t i = 0; i < sizeof in / sizeof in[0]; i++)
    assert_true(cidr_list_contains(&l, &in[i]));
  for (size_t i = 0; i < 5; i++)
    assert_false(cidr_list_contains(&l, &out[i]));
  /* ::ffff:127.0.0.1 is 127.0.0.1 */
  assert_true(cidr_list_contains(&l, &out[5]));
  cidr_list_free(&l);
  l = list("none");
  assert_int_equal(l.n, 0);
  assert_false(cidr_list_contains(&l, &in[0]));
  cidr_list_free(&l);
  l = list("0.0.0.0/0");
  assert_true(cidr_list_contains(&l, &out[0]));
  assert_false(cidr_list_contains(&l, &in[1])); /* an IPv4 /0 is every IPv4 address only */
  cidr_list_free(&l);
}

static void bad_cidr_lists_are_refused_naming_the_entry(void **state) {
  (void)state;
  const char *bad[] = {"10.0.0.0/33",        "::/129", "10.0.0.0/",   "10.0.0.0/x", "proxy.example",
                       "10.0.0.1,,10.0.0.2", "",       "10.0.0.0/8,", "[::1]",      "10.0.0.1:80",
                       "10.0.0.0/-1"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    struct cidr_list l;
    char error[160] = "";
    if (cidr_list_parse(bad[i], &l, error, sizeof error) == 0)
      fail_msg("\"%s\" was accepted", bad[i]);
    assert_non_null(strstr(error, "is not an address or CIDR block"));
    assert_null(l.v);
  }
}

static void the_client_is_the_right_most_untrusted_forwarded_entry(void **state) {
  (void)state;
  struct cidr_list trusted = list("10.0.0.0/8");
  struct netaddr proxy = addr("10.0.0.5"), stranger = addr("192.0.2.1");
  assert_true(same(netaddr_client(&proxy, "198.51.100.4", &trusted), "198.51.100.4"));
  assert_true(same(netaddr_client(&proxy, "1.1.1.1, 198.51.100.4", &trusted), "198.51.100.4"));
  assert_true(same(netaddr_client(&proxy, "198.51.100.4, 10.1.1.1", &trusted), "198.51.100.4"));
  assert_true(same(netaddr_client(&proxy, "10.9.9.9, 10.1.1.1", &trusted), "10.9.9.9"));
  assert_true(same(netaddr_client(&proxy, "garbage, 10.1.1.1", &trusted), "10.1.1.1"));
  assert_true(same(netaddr_client(&proxy, "198.51.100.4,", &trusted), "10.0.0.5"));
  assert_true(same(netaddr_client(&proxy, NULL, &trusted), "10.0.0.5"));
  assert_true(same(netaddr_client(&proxy, "[2001:db8::5]:99", &trusted), "2001:db8::5"));
  /* A peer that is not a trusted proxy is the client, whatever it forwards. */
  assert_true(same(netaddr_client(&stranger, "198.51.100.4", &trusted), "192.0.2.1"));
  cidr_list_free(&trusted);
  struct cidr_list none = list("none");
  assert_true(same(netaddr_client(&proxy, "198.51.100.4", &none), "10.0.0.5"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(addresses_of_both_families_parse),
      cmocka_unit_test(socket_addresses_convert),
      cmocka_unit_test(ipv6_clients_are_keyed_by_their_64),
      cmocka_unit_test(cidr_lists_match_their_blocks),
      cmocka_unit_test(bad_cidr_lists_are_refused_naming_the_entry),
      cmocka_unit_test(the_client_is_the_right_most_untrusted_forwarded_entry),
  };
  return cmocka_run_group_tests_name("netaddr", tests, NULL, NULL);
}
