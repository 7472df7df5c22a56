/* markdown.c: CommonMark rendering with cmark, safe mode. */
#include "iasc/markdown.h"

#include <stdlib.h>
#include <string.h>

#include <cmark.h>

char *markdown_render(const char *markdown) {
  /* Since cmark 0.29 the default is safe: raw HTML and javascript: URLs are replaced. */
  return cmark_markdown_to_html(markdown, strlen(markdown), CMARK_OPT_DEFAULT | CMARK_OPT_SAFE);
}
