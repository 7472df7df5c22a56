/* fuzz_schema.c: validation of write bodies (schema_validate) for every content type, and the
 * RFC 7396 merge patch (schema_merge_patch) that PATCH applies. Input: a JSON request body. */
#include <jansson.h>

#include "iasc/schema.h"

#include "fuzz.h"

static const struct content_kind *const KINDS[] = {
    &KIND_NEWS, &KIND_PUBLICATIONS, &KIND_HELPLINES, &KIND_SUPPORT_RATES, &KIND_RESOURCES,
};

/* errors is a non-empty array of {field, message} strings. */
static void check_errors(const json_t *errors) {
  FUZZ_CHECK(json_is_array(errors) && json_array_size(errors) > 0);
  size_t i;
  const json_t *e;
  json_array_foreach(errors, i, e) {
    FUZZ_CHECK(json_is_string(json_object_get(e, "field")));
    FUZZ_CHECK(json_is_string(json_object_get(e, "message")));
  }
}

/* A valid document has every field of its kind and a string key; without its read-only fields
 * it validates again, to the same document. */
static void check_document(const struct content_kind *k, const json_t *doc) {
  FUZZ_CHECK(json_is_object(doc));
  for (const struct field *f = k->fields; f->name; f++)
    FUZZ_CHECK(json_object_get(doc, f->name) != NULL);
  FUZZ_CHECK(json_is_string(json_object_get(doc, k->key_field)));
  json_t *again = json_deep_copy(doc);
  FUZZ_CHECK(again != NULL);
  schema_strip_read_only(k, again);
  json_t *errors = NULL;
  json_t *doc2 = schema_validate(k, again, &errors);
  if (doc2 == NULL) {
    char *text = json_dumps(errors, JSON_COMPACT);
    fprintf(stderr, "%s: a valid document does not validate again: %s\n", k->name,
            text ? text : "?");
    free(text);
  }
  FUZZ_CHECK(doc2 != NULL && errors == NULL);
  FUZZ_CHECK(json_equal(doc, doc2));
  json_decref(doc2);
  json_decref(again);
}

/* out is before (a copy of the target as it was) with patch applied as RFC 7396 says. */
static void check_merged(const json_t *before, const json_t *patch, const json_t *out) {
  if (!json_is_object(patch)) {
    FUZZ_CHECK(json_equal(out, patch));
    return;
  }
  FUZZ_CHECK(json_is_object(out));
  const char *key;
  const json_t *v;
  json_object_foreach((json_t *)patch, key, v) {
    const json_t *now = json_object_get(out, key);
    if (json_is_null(v)) {
      FUZZ_CHECK(now == NULL);
    } else {
      const json_t *was = json_is_object(before) ? json_object_get(before, key) : NULL;
      check_merged(was, v, now);
    }
  }
  if (json_is_object(before)) {
    json_object_foreach((json_t *)before, key, v) {
      if (json_object_get(patch, key) == NULL)
        FUZZ_CHECK(json_equal(json_object_get(out, key), v));
    }
  }
}

static void merge(json_t *target, const json_t *patch) {
  json_t *before = json_deep_copy(target);
  FUZZ_CHECK(before != NULL);
  json_t *out = schema_merge_patch(target, patch);
  FUZZ_CHECK(out != NULL);
  check_merged(before, patch, out);
  json_decref(out);
  json_decref(before);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  json_t *in = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
  if (in == NULL)
    return 0;
  for (size_t i = 0; i < sizeof KINDS / sizeof KINDS[0]; i++) {
    json_t *errors = NULL;
    json_t *doc = schema_validate(KINDS[i], in, &errors);
    if (doc != NULL) {
      FUZZ_CHECK(errors == NULL);
      check_document(KINDS[i], doc);
    } else {
      check_errors(errors);
    }
    json_decref(doc);
    json_decref(errors);
  }
  if (json_is_object(in)) {
    json_t *target =
        json_pack("{s:s, s:[s, s], s:{s:i, s:n}, s:b}", "title", "A title", "tags",
                  "modern-slavery", "report", "identifiers", "isbn", 42, "doi", "is_24_7", 0);
    FUZZ_CHECK(target != NULL);
    merge(target, in);
    json_decref(target);
    /* And the other way round: the input patched by a fixed patch. */
    json_t *copy = json_deep_copy(in);
    json_t *patch =
        json_pack("{s:n, s:s, s:{s:n}}", "slug", "title", "Patched", "identifiers", "isbn");
    FUZZ_CHECK(copy != NULL && patch != NULL);
    merge(copy, patch);
    json_decref(patch);
    json_decref(copy);
  }
  json_decref(in);
  return 0;
}
